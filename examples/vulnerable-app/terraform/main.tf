# Deliberately insecure infrastructure for the sample shop.
provider "aws" {
  region = "eu-west-1"
}

resource "aws_security_group" "shop_admin" {
  name        = "shop-admin"
  description = "Admin access for the shop servers"

  ingress {
    description = "SSH from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "shop_internal" {
  name = "shop-internal"

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}
