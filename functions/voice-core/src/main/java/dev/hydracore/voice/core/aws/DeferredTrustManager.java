package dev.hydracore.voice.core.aws;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's default trust manager (the default algorithm over the default trust store: exactly
 * what an SSLContext initialised without trust managers uses), built on the first TLS handshake
 * instead of when the HTTP client is built. The url-connection client builds its SSLContext
 * eagerly, and parsing the trust store's ~150 certificates is a large share of a cold start, paid
 * for nothing when the endpoint is plain HTTP (a local emulator). Every check is delegated
 * unchanged, so certificate validation and endpoint identification are the JDK's own.
 */
final class DeferredTrustManager extends X509ExtendedTrustManager {
    private volatile X509ExtendedTrustManager delegate;

    static TrustManager[] managers() {
        return new TrustManager[] {new DeferredTrustManager()};
    }

    private X509ExtendedTrustManager delegate() {
        X509ExtendedTrustManager d = delegate;
        if (d == null) {
            synchronized (this) {
                if (delegate == null) {
                    delegate = load();
                }
                d = delegate;
            }
        }
        return d;
    }

    private static X509ExtendedTrustManager load() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's default trust manager is unavailable", e);
        }
        throw new IllegalStateException("the JDK's default trust manager is not an X509ExtendedTrustManager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate().getAcceptedIssuers();
    }
}
