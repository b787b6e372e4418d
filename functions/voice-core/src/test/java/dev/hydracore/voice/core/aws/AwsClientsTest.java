package dev.hydracore.voice.core.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.HttpURLConnection;
import java.net.URI;
import javax.net.ssl.HttpsURLConnection;
import org.junit.jupiter.api.Test;

/** The connections the SDK clients get: short timeouts, and the JDK's own TLS checks for HTTPS. */
class AwsClientsTest {

    @Test
    void httpsConnectionsUseTheJdkDefaultTlsAndHostNameChecks() throws Exception {
        HttpURLConnection c = AwsClients.openConnection(URI.create("https://dynamodb.us-east-1.amazonaws.com/"));
        assertTrue(c instanceof HttpsURLConnection);
        HttpsURLConnection https = (HttpsURLConnection) c;
        assertSame(HttpsURLConnection.getDefaultSSLSocketFactory(), https.getSSLSocketFactory());
        assertSame(HttpsURLConnection.getDefaultHostnameVerifier(), https.getHostnameVerifier());
        assertEquals(2_000, c.getConnectTimeout());
        assertEquals(5_000, c.getReadTimeout());
    }

    @Test
    void plainHttpForAnEmulatorHasTheSameTimeouts() {
        HttpURLConnection c = AwsClients.openConnection(URI.create("http://127.0.0.1:4566/"));
        assertFalse(c instanceof HttpsURLConnection);
        assertEquals(2_000, c.getConnectTimeout());
        assertEquals(5_000, c.getReadTimeout());
    }
}
