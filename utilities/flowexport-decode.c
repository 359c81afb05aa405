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

/* flowexport-decode: a flow collector for tests and debugging.
 *
 * Receives NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) messages
 * on a UDP port, or reads them from a file of length-prefixed messages, and
 * prints one line per flow record on stdout in a fixed, grep-friendly format.
 * v9 and IPFIX records are decoded with the templates received earlier from
 * the same exporter.
 *
 * The decoding core (decode_message() and its helpers) never trusts a length
 * taken from the input, so that it can be fuzzed.  A fuzzing harness may
 * define FLOWEXPORT_DECODE_NO_MAIN and #include this file to get the core
 * without main(). */

#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "byte-order.h"
#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "socket-util.h"
#include "timeval.h"
#include "unaligned.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(flowexport_decode);

/* Protocol constants. */
enum {
    NFV5_VERSION = 5,
    NFV5_HEADER_LEN = 24,
    NFV5_RECORD_LEN = 48,
    NFV5_MAX_RECORDS = 30,

    NFV9_VERSION = 9,
    NFV9_HEADER_LEN = 20,
    NFV9_TEMPLATE_SET = 0,
    NFV9_OPTIONS_SET = 1,

    IPFIX_VERSION = 10,
    IPFIX_HEADER_LEN = 16,
    IPFIX_TEMPLATE_SET = 2,
    IPFIX_OPTIONS_SET = 3,
    IPFIX_VARLEN = 65535,       /* Field length meaning "variable length". */
    IPFIX_ENTERPRISE_BIT = 0x8000,
    PEN_REVERSE = 29305,        /* RFC 5103 reverse information elements. */
    PEN_VMWARE = 6876,          /* VMware's elements (Open vSwitch's IPFIX
                                 * tunnel elements). */

    SET_HEADER_LEN = 4,
    MIN_DATA_SET = 256,         /* Lowest data set (flowset) id. */
    MAX_MESSAGE_LEN = 65535,    /* Largest message decode_message() takes. */
    MAX_TEMPLATES = 65536,      /* Bound on the number of templates. */
};

/* Default limits on what exporters can make the decoder keep (see
 * flowexport-decode(1), "LIMITS"). */
#define DEFAULT_TEMPLATE_LIFETIME (1800 * 1000)   /* ms; RFC 6728's default
                                                   * templateLifeTime. */
#define DEFAULT_TEMPLATE_MEMORY (16 * 1024 * 1024)
#define DEFAULT_EXPORTER_TEMPLATE_MEMORY (1024 * 1024)

/* How the value of an information element is printed. */
enum ie_type {
    IE_UNSIGNED,                /* Decimal, any length from 1 to 8. */
    IE_IPV4,                    /* Dotted quad. */
    IE_IPV6,                    /* RFC 5952 text form. */
    IE_MAC,                     /* xx:xx:xx:xx:xx:xx. */
    IE_OCTETS,                  /* Hexadecimal. */
    IE_MILLISECONDS,            /* Raw integer, like IE_UNSIGNED. */
    IE_FLOAT64,                 /* IEEE 754 double, "%g". */
    IE_STRING,                  /* UTF-8 up to the first NUL, in double
                                 * quotes, '"', '\\' and bytes outside
                                 * printable ASCII escaped as \xNN. */
};

/* One information element (IANA "IPFIX Information Elements" registry; the
 * NetFlow v9 field types are a subset with the same numbers). */
struct ie_info {
    uint16_t id;                /* Element id. */
    const char *name;           /* IANA name. */
    enum ie_type type;          /* How to print it. */
};

/* Information elements with a name, sorted by id for bsearch().  Elements
 * not listed here are printed as "ieNNN=hex". */
static const struct ie_info ie_table[] = {
    { 1, "octetDeltaCount", IE_UNSIGNED },
    { 2, "packetDeltaCount", IE_UNSIGNED },
    { 3, "deltaFlowCount", IE_UNSIGNED },
    { 4, "protocolIdentifier", IE_UNSIGNED },
    { 5, "ipClassOfService", IE_UNSIGNED },
    { 6, "tcpControlBits", IE_UNSIGNED },
    { 7, "sourceTransportPort", IE_UNSIGNED },
    { 8, "sourceIPv4Address", IE_IPV4 },
    { 9, "sourceIPv4PrefixLength", IE_UNSIGNED },
    { 10, "ingressInterface", IE_UNSIGNED },
    { 11, "destinationTransportPort", IE_UNSIGNED },
    { 12, "destinationIPv4Address", IE_IPV4 },
    { 13, "destinationIPv4PrefixLength", IE_UNSIGNED },
    { 14, "egressInterface", IE_UNSIGNED },
    { 15, "ipNextHopIPv4Address", IE_IPV4 },
    { 16, "bgpSourceAsNumber", IE_UNSIGNED },
    { 17, "bgpDestinationAsNumber", IE_UNSIGNED },
    { 21, "flowEndSysUpTime", IE_MILLISECONDS },
    { 22, "flowStartSysUpTime", IE_MILLISECONDS },
    { 23, "postOctetDeltaCount", IE_UNSIGNED },
    { 24, "postPacketDeltaCount", IE_UNSIGNED },
    { 27, "sourceIPv6Address", IE_IPV6 },
    { 28, "destinationIPv6Address", IE_IPV6 },
    { 29, "sourceIPv6PrefixLength", IE_UNSIGNED },
    { 30, "destinationIPv6PrefixLength", IE_UNSIGNED },
    { 31, "flowLabelIPv6", IE_UNSIGNED },
    { 32, "icmpTypeCodeIPv4", IE_UNSIGNED },
    { 34, "samplingInterval", IE_UNSIGNED },
    { 35, "samplingAlgorithm", IE_UNSIGNED },
    { 36, "flowActiveTimeout", IE_UNSIGNED },
    { 37, "flowIdleTimeout", IE_UNSIGNED },
    { 38, "engineType", IE_UNSIGNED },
    { 39, "engineId", IE_UNSIGNED },
    { 40, "exportedOctetTotalCount", IE_UNSIGNED },
    { 41, "exportedMessageTotalCount", IE_UNSIGNED },
    { 42, "exportedFlowRecordTotalCount", IE_UNSIGNED },
    { 48, "samplerId", IE_UNSIGNED },
    { 49, "samplerMode", IE_UNSIGNED },
    { 50, "samplerRandomInterval", IE_UNSIGNED },
    { 56, "sourceMacAddress", IE_MAC },
    { 57, "postDestinationMacAddress", IE_MAC },
    { 58, "vlanId", IE_UNSIGNED },
    { 59, "postVlanId", IE_UNSIGNED },
    { 60, "ipVersion", IE_UNSIGNED },
    { 61, "flowDirection", IE_UNSIGNED },
    { 62, "ipNextHopIPv6Address", IE_IPV6 },
    { 70, "mplsTopLabelStackSection", IE_OCTETS },
    { 71, "mplsLabelStackSection2", IE_OCTETS },
    { 72, "mplsLabelStackSection3", IE_OCTETS },
    { 80, "destinationMacAddress", IE_MAC },
    { 81, "postSourceMacAddress", IE_MAC },
    { 82, "interfaceName", IE_STRING },
    { 83, "interfaceDescription", IE_STRING },
    { 85, "octetTotalCount", IE_UNSIGNED },
    { 86, "packetTotalCount", IE_UNSIGNED },
    { 89, "forwardingStatus", IE_UNSIGNED },
    { 130, "exporterIPv4Address", IE_IPV4 },
    { 131, "exporterIPv6Address", IE_IPV6 },
    { 136, "flowEndReason", IE_UNSIGNED },
    { 139, "icmpTypeCodeIPv6", IE_UNSIGNED },
    { 144, "exportingProcessId", IE_UNSIGNED },
    { 148, "flowId", IE_UNSIGNED },
    { 149, "observationDomainId", IE_UNSIGNED },
    { 150, "flowStartSeconds", IE_UNSIGNED },
    { 151, "flowEndSeconds", IE_UNSIGNED },
    { 152, "flowStartMilliseconds", IE_MILLISECONDS },
    { 153, "flowEndMilliseconds", IE_MILLISECONDS },
    { 160, "systemInitTimeMilliseconds", IE_MILLISECONDS },
    { 161, "flowDurationMilliseconds", IE_MILLISECONDS },
    { 164, "ignoredPacketTotalCount", IE_UNSIGNED },
    { 165, "ignoredOctetTotalCount", IE_UNSIGNED },
    { 166, "notSentFlowTotalCount", IE_UNSIGNED },
    { 167, "notSentPacketTotalCount", IE_UNSIGNED },
    { 168, "notSentOctetTotalCount", IE_UNSIGNED },
    { 176, "icmpTypeIPv4", IE_UNSIGNED },
    { 177, "icmpCodeIPv4", IE_UNSIGNED },
    { 178, "icmpTypeIPv6", IE_UNSIGNED },
    { 179, "icmpCodeIPv6", IE_UNSIGNED },
    { 210, "paddingOctets", IE_OCTETS },
    { 225, "postNATSourceIPv4Address", IE_IPV4 },
    { 226, "postNATDestinationIPv4Address", IE_IPV4 },
    { 227, "postNAPTSourceTransportPort", IE_UNSIGNED },
    { 228, "postNAPTDestinationTransportPort", IE_UNSIGNED },
    { 239, "biflowDirection", IE_UNSIGNED },
    { 243, "dot1qVlanId", IE_UNSIGNED },
    { 244, "dot1qPriority", IE_UNSIGNED },
    { 245, "dot1qCustomerVlanId", IE_UNSIGNED },
    { 246, "dot1qCustomerPriority", IE_UNSIGNED },
    { 256, "ethernetType", IE_UNSIGNED },
    { 281, "postNATSourceIPv6Address", IE_IPV6 },
    { 282, "postNATDestinationIPv6Address", IE_IPV6 },
    { 296, "greKey", IE_UNSIGNED },
    { 302, "selectorId", IE_UNSIGNED },
    { 304, "selectorAlgorithm", IE_UNSIGNED },
    { 305, "samplingPacketInterval", IE_UNSIGNED },
    { 306, "samplingPacketSpace", IE_UNSIGNED },
    { 309, "samplingSize", IE_UNSIGNED },
    { 310, "samplingPopulation", IE_UNSIGNED },
    { 311, "samplingProbability", IE_FLOAT64 },
    { 323, "observationTimeMilliseconds", IE_MILLISECONDS },
    { 329, "hashOutputRangeMin", IE_UNSIGNED },
    { 330, "hashOutputRangeMax", IE_UNSIGNED },
    { 331, "hashSelectedRangeMin", IE_UNSIGNED },
    { 332, "hashSelectedRangeMax", IE_UNSIGNED },
    { 334, "hashInitialiserValue", IE_UNSIGNED },
    { 347, "virtualStationInterfaceId", IE_OCTETS },
    { 348, "virtualStationInterfaceName", IE_STRING },
    { 349, "virtualStationUUID", IE_OCTETS },
    { 350, "virtualStationName", IE_STRING },
    { 351, "layer2SegmentId", IE_UNSIGNED },
    { 390, "flowSelectorAlgorithm", IE_UNSIGNED },
    { 394, "selectorIDTotalFlowsObserved", IE_UNSIGNED },
    { 395, "selectorIDTotalFlowsSelected", IE_UNSIGNED },
    { 396, "samplingFlowInterval", IE_UNSIGNED },
    { 397, "samplingFlowSpacing", IE_UNSIGNED },
};

/* VMware's elements (enterprise 6876) that Open vSwitch's IPFIX exporter
 * sends (ofproto/ipfix-enterprise-entities.def), sorted by id.  The tunnel
 * key is printed as a number. */
static const struct ie_info vmware_ie_table[] = {
    { 891, "tunnelType", IE_UNSIGNED },
    { 892, "tunnelKey", IE_UNSIGNED },
    { 893, "tunnelSourceIPv4Address", IE_IPV4 },
    { 894, "tunnelDestinationIPv4Address", IE_IPV4 },
    { 895, "tunnelProtocolIdentifier", IE_UNSIGNED },
    { 896, "tunnelSourceTransportPort", IE_UNSIGNED },
    { 897, "tunnelDestinationTransportPort", IE_UNSIGNED },
    { 898, "virtualObsID", IE_STRING },
};

/* Information elements whose values are added to the summary totals. */
enum {
    IE_OCTET_DELTA_COUNT = 1,
    IE_PACKET_DELTA_COUNT = 2,
};

/* Identifies a template: templates are scoped to one exporter (source
 * address and port: RFC 7011 section 8.4 scopes them to the UDP session),
 * one observation domain (v9: source id) and one protocol. */
struct template_key {
    struct in6_addr source;     /* Exporter address, IPv4 mapped. */
    uint32_t domain;            /* Observation domain or v9 source id. */
    uint16_t id;                /* Template id, >= 256. */
    uint16_t port;              /* Exporter's UDP port. */
    uint8_t version;            /* NFV9_VERSION or IPFIX_VERSION. */
    uint8_t pad[3];             /* Always zero, so the key hashes as bytes. */
};

/* An exporter (source address and port) that has templates, with what they
 * cost.  Exists while it has at least one template. */
struct exporter {
    struct hmap_node node;      /* In decoder_state's 'exporters'. */
    struct in6_addr source;     /* Address, IPv4 mapped. */
    uint16_t port;              /* UDP port. */
    size_t n_templates;         /* Its templates. */
    size_t template_bytes;      /* Memory they take, see template_cost(). */
};

/* One field of a template. */
struct template_field {
    uint32_t enterprise;        /* Enterprise number, 0 for IANA elements. */
    uint16_t id;                /* Element id (enterprise bit cleared). */
    uint16_t length;            /* Length in bytes or IPFIX_VARLEN. */
    bool scope;                 /* Scope field of an options template? */
};

/* A template or options template received from an exporter. */
struct template {
    struct hmap_node node;      /* In decoder_state's 'templates'. */
    struct ovs_list lru_node;   /* In decoder_state's 'template_lru'. */
    struct template_key key;    /* Identity. */
    struct exporter *exporter;  /* Owner, once inserted. */
    long long int refreshed;    /* When last received (decoder's clock). */
    bool options;               /* Options template? */
    size_t n_fields;            /* Number of elements in 'fields'. */
    struct template_field *fields;  /* Fields, in record order. */
    size_t min_len;             /* Minimum encoded size of one record. */
};

/* Everything decode_message() keeps between messages. */
struct decoder_state {
    /* Configuration. */
    bool print_headers;         /* Print message headers and templates? */
    bool print_timestamps;      /* Print first/last times of v5 records? */

    /* Limits (see flowexport-decode(1), "LIMITS"). */
    long long int template_lifetime;    /* ms, 0 for no expiry. */
    size_t max_template_bytes;          /* For all templates. */
    size_t max_exporter_template_bytes; /* For one exporter's. */

    /* Exporter of the message being decoded and the time it came (ms, any
     * monotonic clock); set by the caller, as is 'udp', true if messages
     * come over UDP. */
    bool udp;
    struct in6_addr source;
    uint16_t source_port;
    long long int now;

    /* Templates, as "struct template"s, and their exporters. */
    struct hmap templates;
    struct ovs_list template_lru;   /* Least recently received first. */
    struct hmap exporters;          /* "struct exporter"s. */
    size_t template_bytes;          /* Memory all of them take. */

    /* Counters for the summary line. */
    uint64_t n_messages;        /* Messages decoded, valid or not. */
    uint64_t n_records;         /* Flow records printed (not options). */
    uint64_t n_malformed;       /* Messages with a "malformed:" line. */
    uint64_t n_no_template;     /* Data sets without a known template. */
    uint64_t n_templates_refused;   /* Over a memory or number limit. */
    uint64_t n_templates_expired;   /* Not received again in time. */
    uint64_t pkts;              /* Sum of packet counters of flow records. */
    uint64_t bytes;             /* Sum of octet counters of flow records. */
};

/* The header fields of a v9 or IPFIX message that records refer to. */
struct msg_ctx {
    uint8_t version;            /* NFV9_VERSION or IPFIX_VERSION. */
    const char *proto;          /* "v9" or "ipfix", to start output lines. */
    uint32_t domain;            /* Observation domain or v9 source id. */
    uint32_t seq;               /* Sequence number from the header. */
};

/* Byte-level helpers.  Every read goes through ofpbuf_try_pull(), which
 * fails instead of reading past the end of the buffer. */

static bool
pull_u8(struct ofpbuf *b, uint8_t *value)
{
    const uint8_t *p = ofpbuf_try_pull(b, 1);

    if (!p) {
        return false;
    }
    *value = *p;
    return true;
}

static bool
pull_u16(struct ofpbuf *b, uint16_t *value)
{
    const ovs_be16 *p = ofpbuf_try_pull(b, sizeof *p);

    if (!p) {
        return false;
    }
    *value = ntohs(get_unaligned_be16(p));
    return true;
}

static bool
pull_u32(struct ofpbuf *b, uint32_t *value)
{
    const ovs_be32 *p = ofpbuf_try_pull(b, sizeof *p);

    if (!p) {
        return false;
    }
    *value = ntohl(get_unaligned_be32(p));
    return true;
}

/* Returns the big-endian unsigned integer of 'n' (at most 8) bytes at 'p'. */
static uint64_t
get_uint(const uint8_t *p, size_t n)
{
    uint64_t value = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        value = (value << 8) | p[i];
    }
    return value;
}

/* Returns the 4 bytes at 'p', which need not be aligned, as an ovs_be32. */
static ovs_be32
get_be32_copy(const uint8_t *p)
{
    ovs_be32 value;

    memcpy(&value, p, sizeof value);
    return value;
}

/* Returns true if all 'n' bytes at 'p' are zero. */
static bool
is_all_zeros_n(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

static void
put_hex(struct ds *s, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        ds_put_format(s, "%02"PRIx8, p[i]);
    }
}

/* Information elements. */

static int
compare_ie(const void *key_, const void *ie_)
{
    const uint16_t *key = key_;
    const struct ie_info *ie = ie_;

    return *key < ie->id ? -1 : *key > ie->id;
}

static const struct ie_info *
ie_lookup(uint16_t id)
{
    return bsearch(&id, ie_table, ARRAY_SIZE(ie_table), sizeof ie_table[0],
                   compare_ie);
}

static const struct ie_info *
vmware_ie_lookup(uint16_t id)
{
    return bsearch(&id, vmware_ie_table, ARRAY_SIZE(vmware_ie_table),
                   sizeof vmware_ie_table[0], compare_ie);
}

/* Returns the element that 'f' is, or that it is the reverse of (RFC 5103:
 * enterprise 29305, the forward element's id), or NULL if unknown. */
static const struct ie_info *
field_ie(uint8_t version, const struct template_field *f)
{
    if (f->enterprise) {
        return (f->enterprise == PEN_REVERSE ? ie_lookup(f->id)
                : f->enterprise == PEN_VMWARE ? vmware_ie_lookup(f->id)
                : NULL);
    }
    return version == NFV9_VERSION && f->scope ? NULL : ie_lookup(f->id);
}

/* Appends to 's' the name under which field 'f' of a template of protocol
 * 'version' is printed: a reverse element's name is "reverse" followed by
 * the forward name, capitalized (RFC 5103 section 6.1). */
static void
put_field_name(struct ds *s, uint8_t version, const struct template_field *f)
{
    static const char *const v9_scopes[] = {
        NULL, "scopeSystem", "scopeInterface", "scopeLineCard",
        "scopeCache", "scopeTemplate",
    };
    const struct ie_info *ie = field_ie(version, f);

    if (f->enterprise == PEN_VMWARE && ie) {
        ds_put_cstr(s, ie->name);
    } else if (f->enterprise) {
        if (ie) {
            ds_put_format(s, "reverse%c%s",
                          toupper((unsigned char) ie->name[0]), ie->name + 1);
        } else {
            ds_put_format(s, "e%"PRIu32".%"PRIu16, f->enterprise, f->id);
        }
    } else if (version == NFV9_VERSION && f->scope) {
        /* v9 scope field types are not element ids. */
        if (f->id > 0 && f->id < ARRAY_SIZE(v9_scopes)) {
            ds_put_cstr(s, v9_scopes[f->id]);
        } else {
            ds_put_format(s, "scope%"PRIu16, f->id);
        }
    } else if (ie) {
        ds_put_cstr(s, ie->name);
    } else {
        ds_put_format(s, "ie%"PRIu16, f->id);
    }
}

/* Appends to 's' the 'n'-byte value at 'p' of field 'f'. */
static void
put_field_value(struct ds *s, uint8_t version, const struct template_field *f,
                const uint8_t *p, size_t n)
{
    const struct ie_info *ie = field_ie(version, f);
    enum ie_type type = (ie ? ie->type
                         : (version == NFV9_VERSION && f->scope
                            && !f->enterprise) ? IE_UNSIGNED
                         : IE_OCTETS);

    switch (type) {
    case IE_UNSIGNED:
    case IE_MILLISECONDS:
        if (n >= 1 && n <= 8) {
            ds_put_format(s, "%"PRIu64, get_uint(p, n));
            return;
        }
        break;

    case IE_IPV4:
        if (n == 4) {
            ds_put_format(s, IP_FMT, IP_ARGS(get_be32_copy(p)));
            return;
        }
        break;

    case IE_IPV6:
        if (n == 16) {
            struct in6_addr addr;

            memcpy(&addr, p, sizeof addr);
            ipv6_format_addr(&addr, s);
            return;
        }
        break;

    case IE_MAC:
        if (n == 6) {
            struct eth_addr ea;

            memcpy(&ea, p, sizeof ea);
            ds_put_format(s, ETH_ADDR_FMT, ETH_ADDR_ARGS(ea));
            return;
        }
        break;

    case IE_FLOAT64:
        if (n == 8) {
            union {
                uint64_t u;
                double d;
            } x = { .u = get_uint(p, n) };

            ds_put_format(s, "%g", x.d);
            return;
        }
        break;

    case IE_STRING:
        ds_put_char(s, '"');
        for (size_t i = 0; i < n && p[i]; i++) {
            if (p[i] == '"' || p[i] == '\\' || p[i] < 0x20 || p[i] > 0x7e) {
                ds_put_format(s, "\\x%02"PRIx8, p[i]);
            } else {
                ds_put_char(s, p[i]);
            }
        }
        ds_put_char(s, '"');
        return;

    case IE_OCTETS:
        break;
    }
    put_hex(s, p, n);
}

/* Templates. */

/* Returns the memory that template 't' takes, as counted against the
 * limits. */
static size_t
template_cost(const struct template *t)
{
    return sizeof *t + t->n_fields * sizeof *t->fields;
}

static void
template_free(struct template *t)
{
    if (t) {
        free(t->fields);
        free(t);
    }
}

static struct exporter *
exporter_find(const struct decoder_state *st, const struct in6_addr *source,
              uint16_t port)
{
    struct exporter *e;

    HMAP_FOR_EACH_WITH_HASH (e, node,
                             hash_bytes(source, sizeof *source, port),
                             &st->exporters) {
        if (ipv6_addr_equals(&e->source, source) && e->port == port) {
            return e;
        }
    }
    return NULL;
}

/* Removes 't' from 'st' and frees it. */
static void
template_remove(struct decoder_state *st, struct template *t)
{
    struct exporter *e = t->exporter;
    size_t cost = template_cost(t);

    hmap_remove(&st->templates, &t->node);
    ovs_list_remove(&t->lru_node);
    st->template_bytes -= cost;
    e->template_bytes -= cost;
    if (!--e->n_templates) {
        hmap_remove(&st->exporters, &e->node);
        st->template_bytes -= sizeof *e;
        free(e);
    }
    template_free(t);
}

static struct template *
template_find(const struct decoder_state *st, const struct template_key *key)
{
    struct template *t;

    HMAP_FOR_EACH_WITH_HASH (t, node, hash_bytes(key, sizeof *key, 0),
                             &st->templates) {
        if (!memcmp(&t->key, key, sizeof *key)) {
            return t;
        }
    }
    return NULL;
}

static void
template_key_init(struct template_key *key, const struct decoder_state *st,
                  const struct msg_ctx *ctx, uint16_t id)
{
    memset(key, 0, sizeof *key);
    key->source = st->source;
    key->port = st->source_port;
    key->domain = ctx->domain;
    key->id = id;
    key->version = ctx->version;
}

/* Expires the templates that were last received more than the template
 * lifetime before 'st->now' (RFC 7011 section 8.4: over UDP, a template
 * that its exporter does not refresh in time is no longer used). */
static void
templates_expire(struct decoder_state *st, struct ds *out)
{
    struct template *t, *next;

    if (!st->template_lifetime) {
        return;
    }
    LIST_FOR_EACH_SAFE (t, next, lru_node, &st->template_lru) {
        if (st->now - t->refreshed < st->template_lifetime) {
            break;
        }
        if (st->print_headers) {
            ds_put_format(out, "%s template-expire domain=%"PRIu32
                          " id=%"PRIu16"\n",
                          t->key.version == IPFIX_VERSION ? "ipfix" : "v9",
                          t->key.domain, t->key.id);
        }
        st->n_templates_expired++;
        template_remove(st, t);
    }
}

/* Inserts 't' into 'st', replacing any template with the same key, if the
 * limits allow it.  Otherwise frees 't' and also removes the template it
 * was to replace (its exporter changed it: decoding with the old one would
 * be wrong), and returns a message saying why. */
static char *
template_insert(struct decoder_state *st, struct template *t)
{
    struct template *old = template_find(st, &t->key);
    struct exporter *e = exporter_find(st, &t->key.source, t->key.port);
    size_t cost = template_cost(t);
    size_t old_cost = old ? template_cost(old) : 0;
    size_t exporter_bytes = (e ? e->template_bytes : 0) - old_cost + cost;
    size_t total_bytes = (st->template_bytes - old_cost + cost
                          + (e ? 0 : sizeof *e));
    char *error = NULL;

    if (!old && hmap_count(&st->templates) >= MAX_TEMPLATES) {
        error = xasprintf("%d templates already", MAX_TEMPLATES);
    } else if (exporter_bytes > st->max_exporter_template_bytes) {
        error = xasprintf("the exporter's templates would take %"PRIuSIZE
                          " bytes, limit %"PRIuSIZE, exporter_bytes,
                          st->max_exporter_template_bytes);
    } else if (total_bytes > st->max_template_bytes) {
        error = xasprintf("all templates would take %"PRIuSIZE" bytes, "
                          "limit %"PRIuSIZE, total_bytes,
                          st->max_template_bytes);
    }
    if (old) {
        template_remove(st, old);
        e = exporter_find(st, &t->key.source, t->key.port);
    }
    if (error) {
        st->n_templates_refused++;
        template_free(t);
        return error;
    }

    if (!e) {
        e = xzalloc(sizeof *e);
        e->source = t->key.source;
        e->port = t->key.port;
        hmap_insert(&st->exporters, &e->node,
                    hash_bytes(&e->source, sizeof e->source, e->port));
        st->template_bytes += sizeof *e;
    }
    e->n_templates++;
    e->template_bytes += cost;
    st->template_bytes += cost;
    t->exporter = e;
    t->refreshed = st->now;
    hmap_insert(&st->templates, &t->node, hash_bytes(&t->key, sizeof t->key,
                                                     0));
    ovs_list_push_back(&st->template_lru, &t->lru_node);
    return NULL;
}

/* Handles an IPFIX template withdrawal from exporter 'st->source' in the
 * domain of 'ctx' (RFC 7011 section 8.1): removes only template 'id' if
 * 'id' is nonzero, otherwise all templates (if 'options' is false) or all
 * options templates (if 'options' is true).  Over UDP, does nothing: RFC
 * 7011 section 8.4 has collectors ignore withdrawals there (an exporter
 * over UDP must not send them, and anyone can forge them). */
static void
template_withdraw(struct decoder_state *st, const struct msg_ctx *ctx,
                  uint16_t id, bool options, struct ds *out)
{
    struct template_key key;
    struct template *t;

    if (st->print_headers) {
        ds_put_format(out, "%s template-withdraw domain=%"PRIu32" id=%"PRIu16
                      "%s\n", ctx->proto, ctx->domain,
                      id ? id : options ? IPFIX_OPTIONS_SET
                      : IPFIX_TEMPLATE_SET,
                      st->udp ? " ignored (UDP)" : "");
    }
    if (st->udp) {
        return;
    }
    if (id) {
        template_key_init(&key, st, ctx, id);
        t = template_find(st, &key);
        if (t) {
            template_remove(st, t);
        }
        return;
    }

    HMAP_FOR_EACH_SAFE (t, node, &st->templates) {
        if (ipv6_addr_equals(&t->key.source, &st->source)
            && t->key.port == st->source_port
            && t->key.domain == ctx->domain
            && t->key.version == ctx->version
            && t->options == options) {
            template_remove(st, t);
        }
    }
}

static void
print_template(const struct msg_ctx *ctx, const struct template *t,
               size_t n_scope, struct ds *out)
{
    size_t i;

    ds_put_format(out, "%s %s domain=%"PRIu32" id=%"PRIu16,
                  ctx->proto, t->options ? "options-template" : "template",
                  ctx->domain, t->key.id);
    if (t->options) {
        ds_put_format(out, " scope=%"PRIuSIZE, n_scope);
    }
    ds_put_char(out, ':');
    for (i = 0; i < t->n_fields; i++) {
        const struct template_field *f = &t->fields[i];

        ds_put_char(out, ' ');
        put_field_name(out, ctx->version, f);
        if (ctx->version == IPFIX_VERSION && f->length == IPFIX_VARLEN) {
            ds_put_cstr(out, "/var");
        } else {
            ds_put_format(out, "/%"PRIu16, f->length);
        }
    }
    ds_put_char(out, '\n');
}

/* Parses 'n_fields' field specifiers from 'b' into a new template with id
 * 'id', the first 'n_scope' of which are scope fields, and stores it if the
 * limits allow (a line says so if they do not).  Returns an error message
 * if the template is malformed, otherwise NULL. */
static char *
parse_template_fields(const struct msg_ctx *ctx, struct ofpbuf *b,
                      uint16_t id, size_t n_fields, size_t n_scope,
                      bool options, struct decoder_state *st,
                      struct ds *out)
{
    struct template *t;
    size_t i;

    /* Each field specifier takes at least 4 bytes: this check bounds the
     * allocation below by the size of the input. */
    if (n_fields > b->size / 4) {
        return xasprintf("%s template %"PRIu16" truncated", ctx->proto, id);
    }
    t = xzalloc(sizeof *t);
    template_key_init(&t->key, st, ctx, id);
    t->options = options;
    t->n_fields = n_fields;
    t->fields = xcalloc(n_fields, sizeof *t->fields);
    for (i = 0; i < n_fields; i++) {
        struct template_field *f = &t->fields[i];
        uint16_t type;

        if (!pull_u16(b, &type) || !pull_u16(b, &f->length)) {
            template_free(t);
            return xasprintf("%s template %"PRIu16" truncated",
                             ctx->proto, id);
        }
        f->scope = i < n_scope;
        if (ctx->version == IPFIX_VERSION && type & IPFIX_ENTERPRISE_BIT) {
            f->id = type & ~IPFIX_ENTERPRISE_BIT;
            if (!pull_u32(b, &f->enterprise)) {
                template_free(t);
                return xasprintf("%s template %"PRIu16" truncated",
                                 ctx->proto, id);
            }
        } else {
            f->id = type;
        }

        if (ctx->version == IPFIX_VERSION && f->length == IPFIX_VARLEN) {
            t->min_len += 1;
        } else {
            t->min_len += f->length;
        }
    }

    if (!t->min_len) {
        /* Records of length zero would never end a data set. */
        template_free(t);
        return xasprintf("%s template %"PRIu16" has zero-length records",
                         ctx->proto, id);
    }

    if (st->print_headers) {
        print_template(ctx, t, n_scope, out);
    }
    char *refused = template_insert(st, t);
    if (refused) {
        ds_put_format(out, "%s domain=%"PRIu32" template=%"PRIu16
                      " refused: %s\n", ctx->proto, ctx->domain, id, refused);
        free(refused);
    }
    return NULL;
}

/* Returns true if the rest of set 'b' is padding, that is, too short for
 * another template record or all zeros. */
static bool
is_set_padding(const struct ofpbuf *b, size_t min_record)
{
    return b->size < min_record || is_all_zeros_n(b->data, b->size);
}

/* Parses the template records in the body 'b' of a template set (v9 flowset
 * id 0 or IPFIX set id 2). */
static char *
parse_template_set(const struct msg_ctx *ctx, struct ofpbuf *b,
                   struct decoder_state *st, struct ds *out)
{
    while (!is_set_padding(b, 4)) {
        uint16_t id, n_fields;
        char *error;

        if (!pull_u16(b, &id) || !pull_u16(b, &n_fields)) {
            return xasprintf("%s truncated template record", ctx->proto);
        }
        if (ctx->version == IPFIX_VERSION && !n_fields) {
            /* RFC 7011 section 8.1: template withdrawal. */
            if (id != IPFIX_TEMPLATE_SET && id < MIN_DATA_SET) {
                return xasprintf("%s invalid template id %"PRIu16,
                                 ctx->proto, id);
            }
            template_withdraw(st, ctx, id == IPFIX_TEMPLATE_SET ? 0 : id,
                              false, out);
            continue;
        }
        if (id < MIN_DATA_SET) {
            return xasprintf("%s invalid template id %"PRIu16,
                             ctx->proto, id);
        }
        if (!n_fields) {
            return xasprintf("%s template %"PRIu16" has no fields",
                             ctx->proto, id);
        }
        error = parse_template_fields(ctx, b, id, n_fields, 0, false, st,
                                      out);
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Parses the options template records in the body 'b' of an options template
 * set (v9 flowset id 1 or IPFIX set id 3). */
static char *
parse_options_template_set(const struct msg_ctx *ctx, struct ofpbuf *b,
                           struct decoder_state *st, struct ds *out)
{
    while (!is_set_padding(b, ctx->version == NFV9_VERSION ? 6 : 4)) {
        uint16_t id, n_fields, n_scope;
        char *error;

        if (!pull_u16(b, &id)) {
            return xasprintf("%s truncated options template record",
                             ctx->proto);
        }
        if (ctx->version == NFV9_VERSION) {
            uint16_t scope_len, option_len;

            /* RFC 3954 section 6.1: lengths in bytes, not field counts. */
            if (!pull_u16(b, &scope_len) || !pull_u16(b, &option_len)) {
                return xasprintf("%s truncated options template record",
                                 ctx->proto);
            }
            if (scope_len % 4 || option_len % 4) {
                return xasprintf("%s options template %"PRIu16" has bad "
                                 "scope/option length %"PRIu16"/%"PRIu16,
                                 ctx->proto, id, scope_len, option_len);
            }
            n_scope = scope_len / 4;
            n_fields = n_scope + option_len / 4;
        } else {
            if (!pull_u16(b, &n_fields)) {
                return xasprintf("%s truncated options template record",
                                 ctx->proto);
            }
            if (!n_fields) {
                /* RFC 7011 section 8.1: options template withdrawal. */
                if (id != IPFIX_OPTIONS_SET && id < MIN_DATA_SET) {
                    return xasprintf("%s invalid template id %"PRIu16,
                                     ctx->proto, id);
                }
                template_withdraw(st, ctx,
                                  id == IPFIX_OPTIONS_SET ? 0 : id, true,
                                  out);
                continue;
            }
            if (!pull_u16(b, &n_scope)) {
                return xasprintf("%s truncated options template record",
                                 ctx->proto);
            }
        }

        if (id < MIN_DATA_SET) {
            return xasprintf("%s invalid template id %"PRIu16,
                             ctx->proto, id);
        }
        if (!n_scope || n_scope > n_fields) {
            return xasprintf("%s options template %"PRIu16" has %"PRIu16
                             " scope fields out of %"PRIu16,
                             ctx->proto, id, n_scope, n_fields);
        }
        error = parse_template_fields(ctx, b, id, n_fields, n_scope, true,
                                      st, out);
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Decodes one record of template 't' from the front of data set 'b' and
 * appends its line to 'out'. */
static char *
decode_data_record(const struct msg_ctx *ctx, const struct template *t,
                   struct ofpbuf *b, struct decoder_state *st,
                   struct ds *out)
{
    struct ds line = DS_EMPTY_INITIALIZER;
    uint64_t pkts = 0, bytes = 0;
    size_t i;

    ds_put_format(&line, "%s%s domain=%"PRIu32" seq=%"PRIu32
                  " template=%"PRIu16, ctx->proto,
                  t->options ? " options" : "", ctx->domain, ctx->seq,
                  t->key.id);
    for (i = 0; i < t->n_fields; i++) {
        const struct template_field *f = &t->fields[i];
        const uint8_t *value;
        size_t len = f->length;

        if (ctx->version == IPFIX_VERSION && f->length == IPFIX_VARLEN) {
            /* RFC 7011 section 7: one length byte, or 255 and two more. */
            uint8_t len8;
            uint16_t len16;

            if (!pull_u8(b, &len8)) {
                goto truncated;
            }
            if (len8 < 255) {
                len = len8;
            } else if (pull_u16(b, &len16)) {
                len = len16;
            } else {
                goto truncated;
            }
        }
        value = ofpbuf_try_pull(b, len);
        if (!value && len) {
            goto truncated;
        }

        ds_put_char(&line, ' ');
        put_field_name(&line, ctx->version, f);
        ds_put_char(&line, '=');
        put_field_value(&line, ctx->version, f, value, len);

        /* Both directions of a biflow count in the totals. */
        if ((!f->enterprise || f->enterprise == PEN_REVERSE)
            && !f->scope && len >= 1 && len <= 8) {
            if (f->id == IE_PACKET_DELTA_COUNT) {
                pkts += get_uint(value, len);
            } else if (f->id == IE_OCTET_DELTA_COUNT) {
                bytes += get_uint(value, len);
            }
        }
    }
    ds_put_char(&line, '\n');
    ds_put_buffer(out, line.string, line.length);
    ds_destroy(&line);

    if (!t->options) {
        st->n_records++;
        st->pkts += pkts;
        st->bytes += bytes;
    }
    return NULL;

truncated:
    ds_destroy(&line);
    return xasprintf("%s truncated record in set %"PRIu16,
                     ctx->proto, t->key.id);
}

/* Decodes the records in the body 'b' of data set 'set_id'. */
static char *
decode_data_set(const struct msg_ctx *ctx, uint16_t set_id, struct ofpbuf *b,
                struct decoder_state *st, struct ds *out)
{
    struct template_key key;
    const struct template *t;

    template_key_init(&key, st, ctx, set_id);
    t = template_find(st, &key);
    if (!t) {
        ds_put_format(out, "%s domain=%"PRIu32" set=%"PRIu16": no template "
                      "(%"PRIu32" bytes)\n",
                      ctx->proto, ctx->domain, set_id, b->size);
        st->n_no_template++;
        return NULL;
    }

    /* Whatever is left that is shorter than a record is padding.  Since
     * 't->min_len' is at least 1, every iteration makes progress. */
    while (b->size >= t->min_len) {
        char *error = decode_data_record(ctx, t, b, st, out);
        if (error) {
            return error;
        }
    }
    return NULL;
}

/* Decodes the sets that follow the header of a v9 or IPFIX message. */
static char *
decode_sets(const struct msg_ctx *ctx, struct ofpbuf *msg,
            struct decoder_state *st, struct ds *out)
{
    while (msg->size) {
        uint16_t set_id, set_len;
        struct ofpbuf body;
        const void *data;
        char *error;

        if (!pull_u16(msg, &set_id) || !pull_u16(msg, &set_len)) {
            return xasprintf("%s truncated set header", ctx->proto);
        }
        if (set_len < SET_HEADER_LEN) {
            return xasprintf("%s set %"PRIu16" length %"PRIu16" too short",
                             ctx->proto, set_id, set_len);
        }
        data = ofpbuf_try_pull(msg, set_len - SET_HEADER_LEN);
        if (!data) {
            return xasprintf("%s set %"PRIu16" length %"PRIu16" exceeds "
                             "message", ctx->proto, set_id, set_len);
        }
        ofpbuf_use_const(&body, data, set_len - SET_HEADER_LEN);

        if (ctx->version == NFV9_VERSION && set_id == NFV9_TEMPLATE_SET) {
            error = parse_template_set(ctx, &body, st, out);
        } else if (ctx->version == NFV9_VERSION
                   && set_id == NFV9_OPTIONS_SET) {
            error = parse_options_template_set(ctx, &body, st, out);
        } else if (ctx->version == IPFIX_VERSION
                   && set_id == IPFIX_TEMPLATE_SET) {
            error = parse_template_set(ctx, &body, st, out);
        } else if (ctx->version == IPFIX_VERSION
                   && set_id == IPFIX_OPTIONS_SET) {
            error = parse_options_template_set(ctx, &body, st, out);
        } else if (ctx->version == IPFIX_VERSION && set_id < 2) {
            /* Ids 0 and 1 are v9's and are invalid in IPFIX. */
            error = xasprintf("%s invalid set id %"PRIu16,
                              ctx->proto, set_id);
        } else if (set_id < MIN_DATA_SET) {
            /* Reserved for future use: skip. */
            error = NULL;
        } else {
            error = decode_data_set(ctx, set_id, &body, st, out);
        }
        if (error) {
            return error;
        }
    }
    return NULL;
}

static char *
decode_v9(struct ofpbuf *msg, struct decoder_state *st, struct ds *out)
{
    uint16_t version, count;
    uint32_t uptime, unix_secs;
    struct msg_ctx ctx;

    if (!pull_u16(msg, &version) || !pull_u16(msg, &count)
        || !pull_u32(msg, &uptime) || !pull_u32(msg, &unix_secs)
        || !pull_u32(msg, &ctx.seq) || !pull_u32(msg, &ctx.domain)) {
        return xstrdup("v9 truncated header");
    }
    ctx.version = NFV9_VERSION;
    ctx.proto = "v9";

    if (st->print_headers) {
        ds_put_format(out, "v9 header: count=%"PRIu16" uptime=%"PRIu32
                      " unix=%"PRIu32" seq=%"PRIu32" source_id=%"PRIu32"\n",
                      count, uptime, unix_secs, ctx.seq, ctx.domain);
    }
    return decode_sets(&ctx, msg, st, out);
}

static char *
decode_ipfix(struct ofpbuf *msg, struct decoder_state *st, struct ds *out)
{
    uint16_t version, length;
    uint32_t export_time;
    struct msg_ctx ctx;
    size_t size = msg->size;

    if (!pull_u16(msg, &version) || !pull_u16(msg, &length)
        || !pull_u32(msg, &export_time) || !pull_u32(msg, &ctx.seq)
        || !pull_u32(msg, &ctx.domain)) {
        return xstrdup("ipfix truncated header");
    }
    if (length != size) {
        return xasprintf("ipfix length %"PRIu16" does not match message "
                         "size %"PRIuSIZE, length, size);
    }
    ctx.version = IPFIX_VERSION;
    ctx.proto = "ipfix";

    if (st->print_headers) {
        ds_put_format(out, "ipfix header: length=%"PRIu16" export=%"PRIu32
                      " seq=%"PRIu32" domain=%"PRIu32"\n",
                      length, export_time, ctx.seq, ctx.domain);
    }
    return decode_sets(&ctx, msg, st, out);
}

static void
print_v5_record(const uint8_t *r, uint32_t seq, uint8_t engine_type,
                uint8_t engine_id, const struct decoder_state *st,
                struct ds *out)
{
    /* Offsets within a 48-byte v5 flow record. */
    ovs_be32 src = get_be32_copy(r + 0);
    ovs_be32 dst = get_be32_copy(r + 4);
    uint16_t input = get_uint(r + 12, 2);
    uint16_t output = get_uint(r + 14, 2);
    uint32_t pkts = get_uint(r + 16, 4);
    uint32_t bytes = get_uint(r + 20, 4);
    uint32_t first = get_uint(r + 24, 4);
    uint32_t last = get_uint(r + 28, 4);
    uint16_t src_port = get_uint(r + 32, 2);
    uint16_t dst_port = get_uint(r + 34, 2);
    uint8_t tcp_flags = r[37];
    uint8_t proto = r[38];
    uint8_t tos = r[39];

    ds_put_format(out, "v5 seq=%"PRIu32" engine=%"PRIu8"/%"PRIu8,
                  seq, engine_type, engine_id);
    if (proto == IPPROTO_ICMP) {
        /* By convention, ICMP type * 256 + code is in the destination
         * port. */
        ds_put_format(out, " src="IP_FMT" dst="IP_FMT" icmp=%d/%d",
                      IP_ARGS(src), IP_ARGS(dst),
                      dst_port >> 8, dst_port & 0xff);
    } else {
        ds_put_format(out, " src="IP_FMT":%"PRIu16" dst="IP_FMT":%"PRIu16,
                      IP_ARGS(src), src_port, IP_ARGS(dst), dst_port);
    }
    ds_put_format(out, " proto=%"PRIu8" tos=%"PRIu8" tcp_flags=0x%02"PRIx8
                  " in=%"PRIu16" out=%"PRIu16" pkts=%"PRIu32
                  " bytes=%"PRIu32" duration=%"PRIu32,
                  proto, tos, tcp_flags, input, output, pkts, bytes,
                  last - first);
    if (st->print_timestamps) {
        ds_put_format(out, " first=%"PRIu32" last=%"PRIu32, first, last);
    }
    ds_put_char(out, '\n');
}

static char *
decode_v5(struct ofpbuf *msg, struct decoder_state *st, struct ds *out)
{
    uint16_t version, count, sampling;
    uint32_t uptime, unix_secs, unix_nsecs, seq;
    uint8_t engine_type, engine_id;
    size_t expected;
    uint16_t i;

    if (!pull_u16(msg, &version) || !pull_u16(msg, &count)
        || !pull_u32(msg, &uptime) || !pull_u32(msg, &unix_secs)
        || !pull_u32(msg, &unix_nsecs) || !pull_u32(msg, &seq)
        || !pull_u8(msg, &engine_type) || !pull_u8(msg, &engine_id)
        || !pull_u16(msg, &sampling)) {
        return xstrdup("v5 truncated header");
    }
    if (count > NFV5_MAX_RECORDS) {
        return xasprintf("v5 count %"PRIu16" exceeds %d",
                         count, NFV5_MAX_RECORDS);
    }
    expected = (size_t) count * NFV5_RECORD_LEN;
    if (msg->size != expected) {
        return xasprintf("v5 length %"PRIuSIZE" does not match count "
                         "%"PRIu16" (expected %"PRIuSIZE")",
                         (size_t) msg->size + NFV5_HEADER_LEN, count,
                         expected + NFV5_HEADER_LEN);
    }

    if (st->print_headers) {
        ds_put_format(out, "v5 header: count=%"PRIu16" uptime=%"PRIu32
                      " unix=%"PRIu32".%09"PRIu32" seq=%"PRIu32
                      " engine=%"PRIu8"/%"PRIu8" sampling=0x%04"PRIx16"\n",
                      count, uptime, unix_secs, unix_nsecs, seq,
                      engine_type, engine_id, sampling);
    }
    for (i = 0; i < count; i++) {
        const uint8_t *r = ofpbuf_pull(msg, NFV5_RECORD_LEN);

        print_v5_record(r, seq, engine_type, engine_id, st, out);
        st->n_records++;
        st->pkts += get_uint(r + 16, 4);
        st->bytes += get_uint(r + 20, 4);
    }
    return NULL;
}

/* Public interface of the decoding core. */

static void
decoder_state_init(struct decoder_state *st)
{
    memset(st, 0, sizeof *st);
    st->template_lifetime = DEFAULT_TEMPLATE_LIFETIME;
    st->max_template_bytes = DEFAULT_TEMPLATE_MEMORY;
    st->max_exporter_template_bytes = DEFAULT_EXPORTER_TEMPLATE_MEMORY;
    hmap_init(&st->templates);
    ovs_list_init(&st->template_lru);
    hmap_init(&st->exporters);
}

static void
decoder_state_destroy(struct decoder_state *st)
{
    struct template *t;

    HMAP_FOR_EACH_SAFE (t, node, &st->templates) {
        template_remove(st, t);
    }
    hmap_destroy(&st->templates);
    hmap_destroy(&st->exporters);
}

/* Decodes the 'len'-byte NetFlow v5, v9 or IPFIX message 'data', received
 * from exporter 'st->source' port 'st->source_port' at 'st->now', and
 * appends one line per record to 'out'.  A malformed message yields a
 * "malformed:" line (after the lines of any records decoded before the
 * problem was found).  Safe on any input, within the limits in 'st'. */
static void
decode_message(const uint8_t *data, size_t len, struct decoder_state *st,
               struct ds *out)
{
    struct ofpbuf msg;
    char *error;

    st->n_messages++;
    templates_expire(st, out);
    if (len < 2) {
        error = xasprintf("message too short (%"PRIuSIZE" bytes)", len);
    } else if (len > MAX_MESSAGE_LEN) {
        error = xasprintf("message too long (%"PRIuSIZE" bytes)", len);
    } else {
        uint16_t version = get_uint(data, 2);

        ofpbuf_use_const(&msg, data, len);
        switch (version) {
        case NFV5_VERSION:
            error = decode_v5(&msg, st, out);
            break;
        case NFV9_VERSION:
            error = decode_v9(&msg, st, out);
            break;
        case IPFIX_VERSION:
            error = decode_ipfix(&msg, st, out);
            break;
        default:
            error = xasprintf("unknown version %"PRIu16, version);
            break;
        }
    }

    if (error) {
        ds_put_format(out, "malformed: %s\n", error);
        st->n_malformed++;
        free(error);
    }
}

/* Decodes the 'len' bytes at 'data' as a sequence of messages, each preceded
 * by its length as a 4-byte big-endian integer, calling 'output' (if
 * nonnull) after each message. */
static void
decode_stream(const uint8_t *data, size_t len, struct decoder_state *st,
              struct ds *out,
              void (*output)(struct decoder_state *, struct ds *))
{
    struct ofpbuf b;

    ofpbuf_use_const(&b, data, len);
    while (b.size) {
        const uint8_t *msg;
        uint32_t msg_len;

        if (!pull_u32(&b, &msg_len)) {
            ds_put_format(out, "malformed: truncated length prefix "
                          "(%"PRIu32" bytes)\n", b.size);
            st->n_malformed++;
            break;
        }
        msg = ofpbuf_try_pull(&b, msg_len);
        if (!msg) {
            ds_put_format(out, "malformed: message length %"PRIu32
                          " exceeds the %"PRIu32" bytes left\n",
                          msg_len, b.size);
            st->n_malformed++;
            break;
        }
        decode_message(msg, msg_len, st, out);
        if (output) {
            output(st, out);
        }
    }
    if (output) {
        output(st, out);
    }
}

static void
format_summary(const struct decoder_state *st, struct ds *s)
{
    ds_put_format(s, "summary messages=%"PRIu64" records=%"PRIu64
                  " malformed=%"PRIu64" no_template=%"PRIu64
                  " pkts=%"PRIu64" bytes=%"PRIu64" templates=%"PRIuSIZE
                  " template_bytes=%"PRIuSIZE" templates_refused=%"PRIu64
                  " templates_expired=%"PRIu64"\n",
                  st->n_messages, st->n_records, st->n_malformed,
                  st->n_no_template, st->pkts, st->bytes,
                  hmap_count(&st->templates), st->template_bytes,
                  st->n_templates_refused, st->n_templates_expired);
}

#ifndef FLOWEXPORT_DECODE_NO_MAIN
/* The program. */

/* --read: file to decode instead of listening, "-" for stdin. */
static char *read_file_name;

/* --summary: print the summary line at exit. */
static bool print_summary;

/* --headers, --timestamps: copied into the decoder state. */
static bool print_headers;
static bool print_timestamps;

/* --template-lifetime (ms), --template-memory, --exporter-template-memory:
 * copied into the decoder state. */
static long long int template_lifetime = DEFAULT_TEMPLATE_LIFETIME;
static size_t max_template_bytes = DEFAULT_TEMPLATE_MEMORY;
static size_t max_exporter_template_bytes = DEFAULT_EXPORTER_TEMPLATE_MEMORY;

OVS_NO_RETURN static void usage(void);
static void parse_options(int argc, char *argv[]);
static unixctl_cb_func flowexport_decode_exit;
static unixctl_cb_func flowexport_decode_summary;

/* Writes and clears 'out'. */
static void
flush_output(struct ds *out)
{
    fputs(ds_cstr(out), stdout);
    fflush(stdout);
    ds_clear(out);
}

/* Output callback for decode_stream(). */
static void
flush_stream_output(struct decoder_state *st OVS_UNUSED, struct ds *out)
{
    flush_output(out);
}

static void
put_summary(const struct decoder_state *st)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    format_summary(st, &s);
    flush_output(&s);
    ds_destroy(&s);
}

/* Fatal signal hook: prints the summary before dying from SIGTERM etc. */
static void
summary_hook(void *st)
{
    if (print_summary) {
        put_summary(st);
    }
}

static void
read_messages(const char *file_name, struct decoder_state *st)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ofpbuf contents;
    FILE *stream;

    stream = !strcmp(file_name, "-") ? stdin : fopen(file_name, "rb");
    if (!stream) {
        ovs_fatal(errno, "%s: open failed", file_name);
    }

    ofpbuf_init(&contents, 65536);
    for (;;) {
        size_t n;

        ofpbuf_prealloc_tailroom(&contents, 65536);
        n = fread(ofpbuf_tail(&contents), 1, ofpbuf_tailroom(&contents),
                  stream);
        if (!n) {
            break;
        }
        ofpbuf_put_uninit(&contents, n);
    }
    if (ferror(stream)) {
        ovs_fatal(errno, "%s: read failed", file_name);
    }
    if (stream != stdin) {
        fclose(stream);
    }

    st->now = time_msec();
    decode_stream(contents.data, contents.size, st, &out,
                  flush_stream_output);
    ofpbuf_uninit(&contents);
    ds_destroy(&out);
}

static void
listen_messages(const char *target, struct decoder_state *st)
{
    enum { MAX_RECV = 65536 };
    struct ds out = DS_EMPTY_INITIALIZER;
    struct unixctl_server *server;
    bool exiting = false;
    struct ofpbuf buf;
    int error;
    int sock;

    sock = inet_open_passive(SOCK_DGRAM, target, 0, NULL, 0, true);
    if (sock < 0) {
        ovs_fatal(0, "%s: failed to open (%s)", target, ovs_strerror(-sock));
    }

    daemon_save_fd(STDOUT_FILENO);
    daemonize_start(false);

    error = unixctl_server_create(NULL, &server);
    if (error) {
        ovs_fatal(error, "failed to create unixctl server");
    }
    unixctl_command_register("exit", "", 0, 0, flowexport_decode_exit,
                             &exiting);
    unixctl_command_register("flowexport-decode/summary", "", 0, 0,
                             flowexport_decode_summary, st);
    fatal_signal_add_hook(summary_hook, NULL, st, false);

    daemonize_complete();

    ofpbuf_init(&buf, MAX_RECV);
    while (!exiting) {
        struct sockaddr_storage ss;
        socklen_t ss_len = sizeof ss;
        ssize_t retval;

        unixctl_server_run(server);

        do {
            retval = recvfrom(sock, buf.data, buf.allocated, 0,
                              (struct sockaddr *) &ss, &ss_len);
        } while (retval < 0 && errno == EINTR);
        if (retval >= 0) {
            if (ss_len >= sizeof(struct sockaddr_in)
                && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
                st->source = ss_get_address(&ss);
                st->source_port = ss_get_port(&ss);
            } else {
                st->source = in6addr_any;
                st->source_port = 0;
            }
            st->now = time_msec();
            st->udp = true;
            decode_message(buf.data, retval, st, &out);
            flush_output(&out);
        } else if (errno != EAGAIN) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            VLOG_WARN_RL(&rl, "receive failed (%s)", ovs_strerror(errno));
        }

        if (exiting) {
            break;
        }
        poll_fd_wait(sock, POLLIN);
        unixctl_server_wait(server);
        poll_block();
    }

    if (print_summary) {
        put_summary(st);
    }
    ofpbuf_uninit(&buf);
    ds_destroy(&out);
    unixctl_server_destroy(server);
    close(sock);
}

int
main(int argc, char *argv[])
{
    struct decoder_state st;

    ovs_cmdl_proctitle_init(argc, argv);
    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    decoder_state_init(&st);
    st.print_headers = print_headers;
    st.print_timestamps = print_timestamps;
    st.template_lifetime = template_lifetime;
    st.max_template_bytes = max_template_bytes;
    st.max_exporter_template_bytes = max_exporter_template_bytes;

    if (read_file_name) {
        if (argc != optind) {
            ovs_fatal(0, "no non-option arguments allowed with --read "
                      "(use --help for help)");
        }
        read_messages(read_file_name, &st);
        if (print_summary) {
            put_summary(&st);
        }
    } else {
        if (argc - optind != 1) {
            ovs_fatal(0, "exactly one non-option argument required "
                      "(use --help for help)");
        }
        listen_messages(argv[optind], &st);
    }

    decoder_state_destroy(&st);
    return 0;
}

/* Returns 'arg', the argument of 'option', as a number from 0 to 'max';
 * exits with an error message if it is not one. */
static unsigned long long int
parse_number(const char *arg, const char *option, unsigned long long int max)
{
    unsigned long long int value;

    if (!str_to_ullong(arg, 10, &value) || value > max) {
        ovs_fatal(0, "%s: \"%s\" is not a number from 0 to %llu",
                  option, arg, max);
    }
    return value;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_READ = UCHAR_MAX + 1,
        OPT_HEADERS,
        OPT_TIMESTAMPS,
        OPT_SUMMARY,
        OPT_TEMPLATE_LIFETIME,
        OPT_TEMPLATE_MEMORY,
        OPT_EXPORTER_TEMPLATE_MEMORY,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS
    };
    static const struct option long_options[] = {
        {"read", required_argument, NULL, OPT_READ},
        {"headers", no_argument, NULL, OPT_HEADERS},
        {"timestamps", no_argument, NULL, OPT_TIMESTAMPS},
        {"summary", no_argument, NULL, OPT_SUMMARY},
        {"template-lifetime", required_argument, NULL,
         OPT_TEMPLATE_LIFETIME},
        {"template-memory", required_argument, NULL, OPT_TEMPLATE_MEMORY},
        {"exporter-template-memory", required_argument, NULL,
         OPT_EXPORTER_TEMPLATE_MEMORY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_READ:
            read_file_name = optarg;
            break;

        case OPT_HEADERS:
            print_headers = true;
            break;

        case OPT_TIMESTAMPS:
            print_timestamps = true;
            break;

        case OPT_SUMMARY:
            print_summary = true;
            break;

        case OPT_TEMPLATE_LIFETIME:
            template_lifetime = parse_number(optarg, "--template-lifetime",
                                             LLONG_MAX / 1000) * 1000;
            break;

        case OPT_TEMPLATE_MEMORY:
            max_template_bytes = parse_number(optarg, "--template-memory",
                                              SIZE_MAX / 2);
            break;

        case OPT_EXPORTER_TEMPLATE_MEMORY:
            max_exporter_template_bytes = parse_number(
                optarg, "--exporter-template-memory", SIZE_MAX / 2);
            break;

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        DAEMON_OPTION_HANDLERS
        VLOG_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);
}

static void
usage(void)
{
    printf("%s: NetFlow v5/v9 and IPFIX collector for tests and debugging\n"
           "usage: %s [OPTIONS] PORT[:IP]\n"
           "       %s [OPTIONS] --read=FILE\n"
           "where PORT is the UDP port to listen on (0 for any) and IP is\n"
           "optionally the IP address to listen on.  FILE holds messages,\n"
           "each preceded by its length as a 4-byte big-endian integer.\n",
           program_name, program_name, program_name);
    printf("\nOutput options:\n"
           "  --headers               also print message headers and "
           "templates\n"
           "  --timestamps            also print v5 first/last times\n"
           "  --summary               print a summary line at exit\n"
           "  --read=FILE             decode FILE (\"-\" for stdin), "
           "then exit\n");
    printf("\nLimits (see flowexport-decode(1)):\n"
           "  --template-lifetime=SECS  expire templates not received "
           "again\n"
           "                          for SECS (default %d, 0: never)\n"
           "  --template-memory=BYTES  memory for all templates "
           "(default %d)\n"
           "  --exporter-template-memory=BYTES\n"
           "                          memory for one exporter's templates "
           "(default %d)\n",
           DEFAULT_TEMPLATE_LIFETIME / 1000, DEFAULT_TEMPLATE_MEMORY,
           DEFAULT_EXPORTER_TEMPLATE_MEMORY);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

static void
flowexport_decode_exit(struct unixctl_conn *conn,
                       int argc OVS_UNUSED, const char *argv[] OVS_UNUSED,
                       void *exiting_)
{
    bool *exiting = exiting_;

    *exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
flowexport_decode_summary(struct unixctl_conn *conn,
                          int argc OVS_UNUSED, const char *argv[] OVS_UNUSED,
                          void *st)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    format_summary(st, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}
#endif /* FLOWEXPORT_DECODE_NO_MAIN */
