// Deliberately vulnerable Express service. Every route here is a planted bug.
const express = require('express');
const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const axios = require('axios');
const mysql = require('mysql');
const serialize = require('node-serialize');
const libxmljs = require('libxmljs');
const ldap = require('ldapjs');
const { exec } = require('child_process');

const app = express();
app.use(express.json());

const dbPassword = 'Pr0d-Db-Passw0rd';
const db = mysql.createConnection({ host: 'db', user: 'shop', password: dbPassword });
const ldapClient = ldap.createClient({ url: 'ldap://ldap.internal' });

app.get('/orders', (req, res) => {
  const customer = req.query.customer;
  const sql = "SELECT * FROM orders WHERE customer = '" + customer + "'";
  db.query(sql, (err, rows) => res.json(rows));
});

app.get('/orders/safe', (req, res) => {
  const customer = req.query.customer;
  db.query('SELECT * FROM orders WHERE customer = ?', [customer], (err, rows) => res.json(rows));
});

app.get('/archive', (req, res) => {
  const folder = req.query.folder;
  const command = 'tar czf /tmp/out.tgz ' + folder;
  exec(command, () => res.send('done'));
});

app.post('/rules/evaluate', (req, res) => {
  const rule = req.body.rule;
  const verdict = eval(rule);
  res.json({ verdict });
});

app.get('/search', (req, res) => {
  const term = req.query.q;
  const page = '<p>Results for ' + term + '</p>';
  res.send(page);
});

app.get('/static', (req, res) => {
  const name = req.query.name;
  const filePath = '/srv/static/' + name;
  fs.readFile(filePath, (err, data) => res.end(data));
});

app.get('/preview', async (req, res) => {
  const link = req.query.link;
  const target = link.trim();
  const response = await axios.get(target);
  res.json(response.data);
});

app.get('/goto', (req, res) => {
  const dest = req.query.dest;
  const location = dest;
  res.redirect(location);
});

app.post('/session/restore', (req, res) => {
  const state = req.cookies.state;
  const decoded = Buffer.from(state, 'base64').toString();
  const restored = serialize.unserialize(decoded);
  res.json(restored);
});

app.post('/import', (req, res) => {
  const xml = req.body.xml;
  const doc = libxmljs.parseXml(xml, { noent: true });
  res.json({ root: doc.root().name() });
});

app.get('/people', (req, res) => {
  const uid = req.query.uid;
  const opts = { filter: '(uid=' + uid + ')', scope: 'sub' };
  ldapClient.search('dc=shop,dc=example', opts, (err, result) => res.json({ ok: !err }));
});

app.get('/lang', (req, res) => {
  const language = req.query.lang;
  res.setHeader('Content-Language', language);
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.cookie('lang', language);
  res.json({ ok: true });
});

function fingerprint(password) {
  return crypto.createHash('md5').update(password).digest('hex');
}

function encryptLegacy(key, data) {
  const cipher = crypto.createCipheriv('des-ede3-cbc', key, Buffer.alloc(8));
  return cipher.update(data, 'utf8', 'hex') + cipher.final('hex');
}

function newSessionToken() {
  const sessionToken = Math.random().toString(36).slice(2);
  return sessionToken;
}

const partnerAgent = new https.Agent({ rejectUnauthorized: false });

module.exports = { app, fingerprint, encryptLegacy, newSessionToken, partnerAgent };
app.listen(3000);
