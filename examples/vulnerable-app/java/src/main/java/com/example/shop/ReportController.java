package com.example.shop;

import javax.net.ssl.HttpsURLConnection;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Deliberately vulnerable Spring controller. */
@RestController
public class ReportController {

    private final JdbcTemplate jdbc;

    public ReportController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        HttpsURLConnection.setDefaultHostnameVerifier(NoopHostnameVerifier.INSTANCE);
    }

    @GetMapping("/reports")
    public Object reports(@RequestParam("year") String year) {
        String query = "SELECT * FROM reports WHERE year = " + year;
        return jdbc.queryForList(query);
    }

    @GetMapping("/reports/safe")
    public Object reportsSafe(@RequestParam("year") String year) {
        return jdbc.queryForList("SELECT * FROM reports WHERE year = ?", year);
    }
}
