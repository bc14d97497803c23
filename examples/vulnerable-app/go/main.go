// Deliberately vulnerable net/http service. Every handler is a planted bug.
package main

import (
	"crypto/des"
	"crypto/md5"
	"crypto/tls"
	"database/sql"
	"fmt"
	"math/rand"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"strconv"
	"text/template"

	"github.com/go-ldap/ldap/v3"
)

const apiSecret = "d41d8cd98f00b204-live"

var db *sql.DB

func invoices(w http.ResponseWriter, r *http.Request) {
	customer := r.URL.Query().Get("customer")
	query := "SELECT id FROM invoices WHERE customer = '" + customer + "'"
	rows, _ := db.Query(query)
	defer rows.Close()
	w.WriteHeader(http.StatusOK)
}

func invoicesSafe(w http.ResponseWriter, r *http.Request) {
	customer := r.URL.Query().Get("customer")
	rows, _ := db.Query("SELECT id FROM invoices WHERE customer = $1", customer)
	defer rows.Close()
	w.WriteHeader(http.StatusOK)
}

func invoiceByID(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.FormValue("id"))
	query := fmt.Sprintf("SELECT id FROM invoices WHERE id = %d", id)
	rows, _ := db.Query(query)
	defer rows.Close()
	w.WriteHeader(http.StatusOK)
}

func lookup(w http.ResponseWriter, r *http.Request) {
	domain := r.FormValue("domain")
	script := "nslookup " + domain
	exec.Command("sh", "-c", script).Run()
	w.WriteHeader(http.StatusNoContent)
}

func banner(w http.ResponseWriter, r *http.Request) {
	text := r.FormValue("banner")
	source := "<div>" + text + "</div>"
	tpl, _ := template.New("banner").Parse(source)
	tpl.Execute(os.Stdout, nil)
	w.WriteHeader(http.StatusNoContent)
}

func hello(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	message := "<h1>Hello " + name + "</h1>"
	fmt.Fprint(w, message)
}

func attachment(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	full := "/srv/attachments/" + name
	data, _ := os.ReadFile(full)
	w.Write([]byte(strconv.Itoa(len(data))))
}

func mirror(w http.ResponseWriter, r *http.Request) {
	source := r.URL.Query().Get("src")
	target := source + "?mirror=1"
	resp, err := http.Get(target)
	if err == nil {
		resp.Body.Close()
	}
	w.WriteHeader(http.StatusAccepted)
}

func logout(w http.ResponseWriter, r *http.Request) {
	back := r.URL.Query().Get("back")
	destination := back
	http.Redirect(w, r, destination, http.StatusFound)
}

func people(w http.ResponseWriter, r *http.Request) {
	uid := r.URL.Query().Get("uid")
	filter := "(uid=" + uid + ")"
	ldap.NewSearchRequest("dc=shop,dc=example", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, nil, nil)
	w.WriteHeader(http.StatusOK)
}

func language(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	w.Header().Set("Content-Language", lang)
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: "set"})
}

func checksum(data []byte) [16]byte {
	return md5.Sum(data)
}

func legacyCipher(key []byte) {
	des.NewCipher(key)
}

func newResetToken() string {
	resetToken := strconv.Itoa(rand.Intn(999999))
	return resetToken
}

func partnerClient() *http.Client {
	transport := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	return &http.Client{Transport: transport}
}

func main() {
	http.HandleFunc("/invoices", invoices)
	http.HandleFunc("/lookup", lookup)
	http.HandleFunc("/hello", hello)
	http.ListenAndServe(":8080", nil)
}
