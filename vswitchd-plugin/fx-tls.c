/*
 * Copyright (c) 2026 The flowexport authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* Verification of the identity of TLS collectors.  OVS's stream-ssl.c
 * verifies the peer's certificate chain against the configured CA but
 * neither its name nor its address, and keeps its SSL objects private.
 * ovs-vswitchd is linked with --wrap=SSL_new (vswitchd-plugin/automake.mk,
 * listed in fx-plugin.h).  While one of our transports opens a TLS stream
 * to a collector, in the thread that runs it (stream_open() calls SSL_new()
 * there), fx_transport_tls_expected_peer() says what the collector must
 * prove, and the new SSL object gets it to check: the host name it is
 * given by (X509_VERIFY_PARAM_set1_host(), no partial wildcards), or the
 * IPv4 or IPv6 address it is given by, which must then be an IP address of
 * the certificate's subjectAltName (X509_VERIFY_PARAM_set1_ip()).  OpenSSL
 * then fails the handshake unless the certificate matches.  Every other
 * SSL object (controllers, managers, other threads) is left as it is. */

#include <config.h>
#include "fx-plugin.h"

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include "fx-transport.h"
#include "util.h"

SSL *__real_SSL_new(SSL_CTX *);
SSL *__wrap_SSL_new(SSL_CTX *);

/* Makes 'param' require 'peer'.  Returns 1 if successful, 0 if not. */
static int
fx_tls_expect(X509_VERIFY_PARAM *param, const struct fx_tls_peer *peer)
{
    if (peer->name) {
        /* Not SSL_set1_host(), which takes a name that parses as an
         * address for that address. */
        X509_VERIFY_PARAM_set_hostflags(param,
                                        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        return X509_VERIFY_PARAM_set1_host(param, peer->name, 0);
    } else if (peer->addr->ss_family == AF_INET) {
        const struct sockaddr_in *sin = ALIGNED_CAST(
            const struct sockaddr_in *, peer->addr);

        return X509_VERIFY_PARAM_set1_ip(
            param, (const unsigned char *) &sin->sin_addr,
            sizeof sin->sin_addr);
    } else if (peer->addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = ALIGNED_CAST(
            const struct sockaddr_in6 *, peer->addr);

        return X509_VERIFY_PARAM_set1_ip(
            param, (const unsigned char *) &sin6->sin6_addr,
            sizeof sin6->sin6_addr);
    } else {
        return 0;
    }
}

SSL *
__wrap_SSL_new(SSL_CTX *ctx)
{
    SSL *ssl = __real_SSL_new(ctx);
    const struct fx_tls_peer *peer = fx_transport_tls_expected_peer();

    if (ssl && peer && !fx_tls_expect(SSL_get0_param(ssl), peer)) {
        /* Never connect unverified: stream-ssl.c reports the failure and
         * the transport retries. */
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}
