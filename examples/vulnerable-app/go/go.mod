module example.com/vulnerable-shop

go 1.16

require (
	github.com/go-ldap/ldap/v3 v3.2.4
	golang.org/x/crypto v0.0.0-20200622213623-75b288015ac9
	golang.org/x/net v0.0.0-20210226172049-e18ecbb05110
	golang.org/x/text v0.3.5
)
