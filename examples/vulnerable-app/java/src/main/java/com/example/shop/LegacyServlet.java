package com.example.shop;

import java.beans.XMLDecoder;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.net.URL;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Hashtable;
import java.util.Random;
import javax.crypto.Cipher;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import javax.naming.directory.SearchControls;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;

/** Deliberately vulnerable servlet: every method below is a planted bug. */
public class LegacyServlet extends HttpServlet {

    private static final String DB_PASSWORD = "Winter2024!Shop";

    private Connection connect() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://db/shop", "shop", DB_PASSWORD);
    }

    public void findOrders(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String customer = request.getParameter("customer");
        String sql = "SELECT * FROM orders WHERE customer = '" + customer + "'";
        Statement statement = connect().createStatement();
        ResultSet rows = statement.executeQuery(sql);
        response.setStatus(rows.next() ? 200 : 404);
    }

    public void findOrdersSafely(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String customer = request.getParameter("customer");
        PreparedStatement statement = connect().prepareStatement("SELECT * FROM orders WHERE customer = ?");
        statement.setString(1, customer);
        statement.executeQuery();
    }

    public void ping(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String host = request.getParameter("host");
        String command = "ping -c 1 " + host;
        Runtime.getRuntime().exec(command);
    }

    public void evaluate(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String formula = request.getParameter("formula");
        ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
        engine.eval(formula);
        response.setStatus(204);
    }

    public void greet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getParameter("name");
        String html = "<h1>Hello " + name + "</h1>";
        response.getWriter().write(html);
    }

    public void download(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String fileName = request.getParameter("file");
        String location = "/srv/reports/" + fileName;
        InputStream in = new FileInputStream(location);
        in.transferTo(response.getOutputStream());
    }

    public void proxy(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String target = request.getParameter("url");
        String address = target.trim();
        URL url = new URL(address);
        url.openStream().transferTo(response.getOutputStream());
    }

    public void afterLogin(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String next = request.getParameter("next");
        String destination = next;
        response.sendRedirect(destination);
    }

    public void restore(HttpServletRequest request, HttpServletResponse response) throws Exception {
        InputStream body = request.getInputStream();
        ObjectInputStream objects = new ObjectInputStream(body);
        objects.readObject();
        response.setStatus(204);
    }

    public void importInvoice(HttpServletRequest request, HttpServletResponse response) throws Exception {
        InputStream xml = request.getInputStream();
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        DocumentBuilder builder = factory.newDocumentBuilder();
        Document invoice = builder.parse(xml);
        response.setStatus(invoice.hasChildNodes() ? 201 : 400);
    }

    public void directory(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String user = request.getParameter("user");
        String filter = "(uid=" + user + ")";
        DirContext ctx = new InitialDirContext(new Hashtable<String, String>());
        ctx.search("dc=shop,dc=example", filter, new SearchControls());
    }

    public void language(HttpServletRequest request, HttpServletResponse response) {
        String language = request.getParameter("lang");
        response.setHeader("Content-Language", language);
        Cookie cookie = new Cookie("lang", "set");
        response.addCookie(cookie);
    }

    static String passwordDigest(String password) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("MD5");
        return new String(digest.digest(password.getBytes()));
    }

    static byte[] encrypt(byte[] key, byte[] data) throws Exception {
        Cipher cipher = Cipher.getInstance("DES/ECB/PKCS5Padding");
        return cipher.doFinal(data);
    }

    static String newResetToken() {
        String resetToken = Integer.toString(new Random().nextInt(999999));
        return resetToken;
    }
}
