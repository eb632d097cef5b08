#ifndef PERFOPS_DB_PQDL_H
#define PERFOPS_DB_PQDL_H

#include <libpq-fe.h>

/*
 * libpq, opened with dlopen() when a command first connects rather than
 * linked: libpq pulls in some twenty libraries (Kerberos, LDAP, GnuTLS,
 * ...) whose loading and relocation every run of every command would pay
 * (about 2 ms, 5% of a 30 MB collapse) though only --db uses them.  The
 * PQ* calls below go through the table; pqdl_load() must succeed first.
 */
struct pqdl {
	PGconn *(*PQconnectdb)(const char *);
	ConnStatusType (*PQstatus)(const PGconn *);
	char *(*PQerrorMessage)(const PGconn *);
	void (*PQfinish)(PGconn *);
	int (*PQserverVersion)(const PGconn *);
	const char *(*PQparameterStatus)(const PGconn *, const char *);
	char *(*PQdb)(const PGconn *);
	PGresult *(*PQexec)(PGconn *, const char *);
	PGresult *(*PQexecParams)(PGconn *, const char *, int, const Oid *,
				  const char *const *, const int *, const int *,
				  int);
	ExecStatusType (*PQresultStatus)(const PGresult *);
	char *(*PQresultErrorMessage)(const PGresult *);
	char *(*PQresultErrorField)(const PGresult *, int);
	int (*PQntuples)(const PGresult *);
	char *(*PQgetvalue)(const PGresult *, int, int);
	int (*PQgetisnull)(const PGresult *, int, int);
	void (*PQclear)(PGresult *);
};

extern struct pqdl pqdl;

/* Open libpq once; 0, or -2 after an error naming the package. */
int pqdl_load(void);

#define PQconnectdb(...) pqdl.PQconnectdb(__VA_ARGS__)
#define PQstatus(...) pqdl.PQstatus(__VA_ARGS__)
#define PQerrorMessage(...) pqdl.PQerrorMessage(__VA_ARGS__)
#define PQfinish(...) pqdl.PQfinish(__VA_ARGS__)
#define PQserverVersion(...) pqdl.PQserverVersion(__VA_ARGS__)
#define PQparameterStatus(...) pqdl.PQparameterStatus(__VA_ARGS__)
#define PQdb(...) pqdl.PQdb(__VA_ARGS__)
#define PQexec(...) pqdl.PQexec(__VA_ARGS__)
#define PQexecParams(...) pqdl.PQexecParams(__VA_ARGS__)
#define PQresultStatus(...) pqdl.PQresultStatus(__VA_ARGS__)
#define PQresultErrorMessage(...) pqdl.PQresultErrorMessage(__VA_ARGS__)
#define PQresultErrorField(...) pqdl.PQresultErrorField(__VA_ARGS__)
#define PQntuples(...) pqdl.PQntuples(__VA_ARGS__)
#define PQgetvalue(...) pqdl.PQgetvalue(__VA_ARGS__)
#define PQgetisnull(...) pqdl.PQgetisnull(__VA_ARGS__)
#define PQclear(...) pqdl.PQclear(__VA_ARGS__)

#endif
