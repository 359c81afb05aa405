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

/* Host name verification of TLS collectors.  OVS's stream-ssl.c verifies
 * the peer's certificate chain against the configured CA but never its
 * name, and keeps its SSL objects private.  ovs-vswitchd is linked with
 * --wrap=SSL_new (vswitchd-plugin/automake.mk, listed in fx-plugin.h):
 * while one of our transports opens a TLS stream to a collector given by
 * name, the new SSL object gets that name to check (SSL_set1_host()), so
 * that OpenSSL fails the handshake unless the certificate names it.
 * Every other SSL object (controllers, managers) is left as it is. */

#include <config.h>
#include "fx-plugin.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "fx-transport.h"

SSL *__real_SSL_new(SSL_CTX *);
SSL *__wrap_SSL_new(SSL_CTX *);

SSL *
__wrap_SSL_new(SSL_CTX *ctx)
{
    SSL *ssl = __real_SSL_new(ctx);
    const char *name = fx_transport_tls_expected_name();

    if (ssl && name) {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!SSL_set1_host(ssl, name)) {
            /* Never connect unverified: stream-ssl.c reports the failure
             * and the transport retries. */
            SSL_free(ssl);
            return NULL;
        }
    }
    return ssl;
}
