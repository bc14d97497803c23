"""Deliberately vulnerable Flask shop. Every handler here is a planted bug."""

import hashlib
import os
import pickle
import random
import sqlite3
import subprocess

import jwt
import ldap
import requests
import yaml
from Crypto.Cipher import DES
from flask import Flask, make_response, redirect, render_template_string, request, send_file
from lxml import etree

app = Flask(__name__)

DB_PASSWORD = "Sup3rS3cretDbPass!"
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def get_db():
    return sqlite3.connect("shop.db")


@app.route("/products")
def products():
    category = request.args.get("category", "")
    query = "SELECT id, name FROM products WHERE category = '" + category + "'"
    cursor = get_db().cursor()
    cursor.execute(query)
    return {"products": cursor.fetchall()}


@app.route("/products/safe")
def products_safe():
    category = request.args.get("category", "")
    cursor = get_db().cursor()
    cursor.execute("SELECT id, name FROM products WHERE category = ?", (category,))
    return {"products": cursor.fetchall()}


@app.route("/ping")
def ping():
    host = request.args.get("host")
    command = "ping -c 1 " + host
    output = subprocess.check_output(command, shell=True)
    return output


@app.route("/calc")
def calc():
    expression = request.form["expr"]
    result = eval(expression)
    return str(result)


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    greeting = "<h1>Hello " + name + "</h1>"
    return make_response(greeting)


@app.route("/page")
def page():
    title = request.args.get("title", "")
    template = "<title>" + title + "</title>"
    return render_template_string(template)


@app.route("/download")
def download():
    filename = request.args.get("file")
    path = os.path.join("/srv/uploads", filename)
    return send_file(path)


@app.route("/fetch")
def fetch():
    target = request.args.get("url")
    upstream = target.strip()
    return requests.get(upstream, timeout=5).text


@app.route("/login/done")
def after_login():
    next_url = request.args.get("next", "/")
    destination = next_url
    return redirect(destination)


@app.route("/cart/restore", methods=["POST"])
def restore_cart():
    blob = request.get_data()
    cart = pickle.loads(blob)
    return {"items": len(cart)}


@app.route("/config/import", methods=["POST"])
def import_config():
    text = request.data
    config = yaml.load(text)
    return {"keys": list(config)}


@app.route("/invoice", methods=["POST"])
def invoice():
    document = request.data
    tree = etree.fromstring(document)
    return {"root": tree.tag}


@app.route("/directory")
def directory():
    user = request.args.get("user")
    search_filter = "(uid=" + user + ")"
    conn = ldap.initialize("ldap://ldap.internal")
    return {"hits": conn.search_s("dc=shop,dc=example", ldap.SCOPE_SUBTREE, search_filter)}


@app.route("/lang")
def lang():
    language = request.args.get("lang", "en")
    response = make_response("ok")
    response.headers["Content-Language"] = language
    response.set_cookie("lang", language)
    return response


def password_digest(password):
    return hashlib.md5(password.encode()).hexdigest()


def encrypt_card(key, number):
    return DES.new(key, DES.MODE_ECB).encrypt(number)


def reset_token():
    reset_token = str(random.randint(100000, 999999))
    return reset_token


def partner_prices():
    return requests.get("https://partner.example/prices", verify=False, timeout=5).json()


def read_session(token):
    return jwt.decode(token, options={"verify_signature": False})


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
