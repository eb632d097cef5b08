#ifndef PERFOPS_LOAD_SSLDL_H
#define PERFOPS_LOAD_SSLDL_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/*
 * OpenSSL, opened with dlopen() when `perfops load` first needs TLS
 * rather than linked: loading and relocating libssl and libcrypto cost
 * every run of every command about 1 ms of CPU.  The calls below go
 * through the table; ssldl_load() must succeed first (tls_ctx_new()).
 */
#define SSLDL_FUNCS(X)                                                         \
	X(ERR_clear_error)                                                     \
	X(ERR_get_error)                                                       \
	X(ERR_peek_last_error)                                                 \
	X(ERR_reason_error_string)                                             \
	X(SSL_CTX_ctrl)                                                        \
	X(SSL_CTX_free)                                                        \
	X(SSL_CTX_load_verify_locations)                                       \
	X(SSL_CTX_new)                                                         \
	X(SSL_CTX_set_alpn_protos)                                             \
	X(SSL_CTX_set_default_verify_paths)                                    \
	X(SSL_CTX_set_verify)                                                  \
	X(SSL_CTX_sess_set_new_cb)                                             \
	X(SSL_SESSION_free)                                                    \
	X(SSL_ctrl)                                                            \
	X(SSL_do_handshake)                                                    \
	X(SSL_free)                                                            \
	X(SSL_get0_alpn_selected)                                              \
	X(SSL_get0_param)                                                      \
	X(SSL_get_error)                                                       \
	X(SSL_get_ex_data)                                                     \
	X(SSL_get_verify_result)                                               \
	X(SSL_new)                                                             \
	X(SSL_read)                                                            \
	X(SSL_set1_host)                                                       \
	X(SSL_set_connect_state)                                               \
	X(SSL_set_ex_data)                                                     \
	X(SSL_set_fd)                                                          \
	X(SSL_set_session)                                                     \
	X(SSL_set_shutdown)                                                    \
	X(SSL_write)                                                           \
	X(TLS_client_method)                                                   \
	X(X509_VERIFY_PARAM_set1_ip_asc)                                       \
	X(X509_verify_cert_error_string)

struct ssldl {
#define SSLDL_FIELD(f) __typeof__(f) *f;
	SSLDL_FUNCS(SSLDL_FIELD)
#undef SSLDL_FIELD
};

extern struct ssldl ssldl;

/* Open libssl once; 0, or -1 after an error naming the package. */
int ssldl_load(void);

#define ERR_clear_error(...) ssldl.ERR_clear_error(__VA_ARGS__)
#define ERR_get_error(...) ssldl.ERR_get_error(__VA_ARGS__)
#define ERR_peek_last_error(...) ssldl.ERR_peek_last_error(__VA_ARGS__)
#define ERR_reason_error_string(...) ssldl.ERR_reason_error_string(__VA_ARGS__)
#define SSL_CTX_ctrl(...) ssldl.SSL_CTX_ctrl(__VA_ARGS__)
#define SSL_CTX_free(...) ssldl.SSL_CTX_free(__VA_ARGS__)
#define SSL_CTX_load_verify_locations(...)                                     \
	ssldl.SSL_CTX_load_verify_locations(__VA_ARGS__)
#define SSL_CTX_new(...) ssldl.SSL_CTX_new(__VA_ARGS__)
#define SSL_CTX_set_alpn_protos(...) ssldl.SSL_CTX_set_alpn_protos(__VA_ARGS__)
#define SSL_CTX_set_default_verify_paths(...)                                  \
	ssldl.SSL_CTX_set_default_verify_paths(__VA_ARGS__)
#define SSL_CTX_set_verify(...) ssldl.SSL_CTX_set_verify(__VA_ARGS__)
#define SSL_CTX_sess_set_new_cb(...) ssldl.SSL_CTX_sess_set_new_cb(__VA_ARGS__)
#define SSL_SESSION_free(...) ssldl.SSL_SESSION_free(__VA_ARGS__)
#define SSL_ctrl(...) ssldl.SSL_ctrl(__VA_ARGS__)
#define SSL_do_handshake(...) ssldl.SSL_do_handshake(__VA_ARGS__)
#define SSL_free(...) ssldl.SSL_free(__VA_ARGS__)
#define SSL_get0_alpn_selected(...) ssldl.SSL_get0_alpn_selected(__VA_ARGS__)
#define SSL_get0_param(...) ssldl.SSL_get0_param(__VA_ARGS__)
#define SSL_get_error(...) ssldl.SSL_get_error(__VA_ARGS__)
#define SSL_get_ex_data(...) ssldl.SSL_get_ex_data(__VA_ARGS__)
#define SSL_get_verify_result(...) ssldl.SSL_get_verify_result(__VA_ARGS__)
#define SSL_new(...) ssldl.SSL_new(__VA_ARGS__)
#define SSL_read(...) ssldl.SSL_read(__VA_ARGS__)
#define SSL_set1_host(...) ssldl.SSL_set1_host(__VA_ARGS__)
#define SSL_set_connect_state(...) ssldl.SSL_set_connect_state(__VA_ARGS__)
#define SSL_set_ex_data(...) ssldl.SSL_set_ex_data(__VA_ARGS__)
#define SSL_set_fd(...) ssldl.SSL_set_fd(__VA_ARGS__)
#define SSL_set_session(...) ssldl.SSL_set_session(__VA_ARGS__)
#define SSL_set_shutdown(...) ssldl.SSL_set_shutdown(__VA_ARGS__)
#define SSL_write(...) ssldl.SSL_write(__VA_ARGS__)
#define TLS_client_method(...) ssldl.TLS_client_method(__VA_ARGS__)
#define X509_VERIFY_PARAM_set1_ip_asc(...)                                     \
	ssldl.X509_VERIFY_PARAM_set1_ip_asc(__VA_ARGS__)
#define X509_verify_cert_error_string(...)                                     \
	ssldl.X509_verify_cert_error_string(__VA_ARGS__)

#endif
