/* Gibbs site updates of Potts chains on CPU: the loop of seqebm.models.potts_gibbs.potts_gibbs_ladder, compiled.
 *
 * Built and loaded by seqebm/models/native.py (ctypes; no Python headers, no torch headers). The torch kernel pays
 * about ten tensor calls per site update whatever the number of chains; here a site update of one chain is the
 * gather-sum of its L table rows (vectorised over the padded alphabet), the categorical draw by inverse CDF with the
 * caller's uniform, and the write of the new table row: the same arithmetic in the same order as the torch kernel
 * (sum of rows, plus the field, exp(logit - max), cumulative sum, first entry above u * total).
 *
 * Layout (all row-major, float32 / int64):
 *   table[L][rows][qp]   rows = R * L * q: rung r's block starts at r * L * q, row j * q + b holds J_ij(., b) * beta_r
 *   fields[R][L][qp]     beta_r * h_i(.) of rung r
 *   index[M][L]          the table row each chain's site holds (M = R * n_per_rung chains, rung = chain / n_per_rung)
 *   sites[n_sites]       the site of each update, in order
 *   uniforms[n_sites][M] one U[0, 1) number per update and chain
 *   nbr_ptr[L + 1], nbr_idx  (optional, CSR) the sites summed for site i; all sites when nbr_ptr is NULL
 * qp, the padded alphabet, is 4 or a multiple of 8 (the vector width); padding entries are never read as states.
 * Chains are independent given the site order, so threads split the chains and never wait for each other.
 *
 * potts_log_weights evaluates, in the same tables, the log weights beta_b (sum_i h_i(x_i) + 1/2 sum_ij J_ij(x_i, x_j))
 * of chains under any rung b (the swaps of a tempering ladder need each state under its own and its neighbours'
 * models): site by site, so that one site's table serves every chain while it is in cache, with L scalar reads per
 * chain and site instead of the L q of a local field.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define QMAX 256
#define MAX_THREADS 64

typedef struct {
    const float *table, *fields, *uniforms;
    int64_t *index;
    const int64_t *sites, *nbr_ptr, *nbr_idx;
    int64_t n_sites, n_total, n_per_rung, length, rows, q, qp, lo, hi;
} job_t;

/* Draw a state from logits[0..q) (the sums of table rows) plus field f, with uniform u; logits is overwritten. */
static inline int64_t draw(float *logits, const float *f, int64_t q, float u) {
    float mx = -INFINITY;
    for (int64_t a = 0; a < q; a++) {
        logits[a] += f[a];
        mx = logits[a] > mx ? logits[a] : mx;
    }
    float total = 0.0f;
    for (int64_t a = 0; a < q; a++) {
        total += expf(logits[a] - mx);
        logits[a] = total;
    }
    const float target = u * total;
    int64_t pick = 0;
    while (pick < q - 1 && logits[pick] <= target) pick++;
    return pick;
}

/* One worker per vector width W and row stride STRIDE (a constant for the common alphabets: the compiler then
 * unrolls the row loop, which measured 1.5x faster than a run-time stride). Four accumulators over consecutive rows
 * keep the adds independent. */
#define ROWS_AT_ONCE 4
#define DEFINE_WORKER(NAME, W, STRIDE)                                                                                \
    typedef float NAME##_vec __attribute__((vector_size(4 * W)));                                                      \
    static void *NAME(void *arg) {                                                                                     \
        const job_t *w = (const job_t *)arg;                                                                           \
        const int64_t q = w->q, qp = STRIDE, nv = qp / W, length = w->length;                                          \
        NAME##_vec acc[ROWS_AT_ONCE][QMAX / W], row_vec;                                                               \
        float logits[QMAX];                                                                                            \
        for (int64_t s = 0; s < w->n_sites; s++) {                                                                     \
            const int64_t i = w->sites[s];                                                                             \
            const float *tab = w->table + i * w->rows * qp;                                                            \
            const float *u = w->uniforms + s * w->n_total;                                                             \
            const int64_t *nbr = w->nbr_ptr ? w->nbr_idx + w->nbr_ptr[i] : NULL;                                       \
            const int64_t n_nbr = w->nbr_ptr ? w->nbr_ptr[i + 1] - w->nbr_ptr[i] : length;                             \
            for (int64_t m = w->lo; m < w->hi; m++) {                                                                  \
                int64_t *row = w->index + m * length;                                                                  \
                const int64_t r = m / w->n_per_rung;                                                                   \
                for (int64_t c = 0; c < ROWS_AT_ONCE; c++)                                                             \
                    for (int64_t v = 0; v < nv; v++) acc[c][v] = (NAME##_vec){0};                                      \
                int64_t k = 0;                                                                                         \
                for (; k + ROWS_AT_ONCE <= n_nbr; k += ROWS_AT_ONCE)                                                   \
                    for (int64_t c = 0; c < ROWS_AT_ONCE; c++) {                                                       \
                        const float *t = tab + row[nbr ? nbr[k + c] : k + c] * qp;                                     \
                        for (int64_t v = 0; v < nv; v++) {                                                             \
                            memcpy(&row_vec, t + W * v, sizeof row_vec);                                               \
                            acc[c][v] += row_vec;                                                                      \
                        }                                                                                              \
                    }                                                                                                  \
                for (; k < n_nbr; k++) {                                                                               \
                    const float *t = tab + row[nbr ? nbr[k] : k] * qp;                                                 \
                    for (int64_t v = 0; v < nv; v++) {                                                                 \
                        memcpy(&row_vec, t + W * v, sizeof row_vec);                                                   \
                        acc[0][v] += row_vec;                                                                          \
                    }                                                                                                  \
                }                                                                                                      \
                for (int64_t v = 0; v < nv; v++) {                                                                     \
                    row_vec = (acc[0][v] + acc[1][v]) + (acc[2][v] + acc[3][v]);                                       \
                    memcpy(logits + W * v, &row_vec, sizeof row_vec);                                                  \
                }                                                                                                      \
                const int64_t pick = draw(logits, w->fields + (r * length + i) * qp, q, u[m]);                         \
                row[i] = pick + i * q + r * length * q;                                                                \
            }                                                                                                          \
        }                                                                                                              \
        return NULL;                                                                                                   \
    }

DEFINE_WORKER(stride4, 4, 4)
DEFINE_WORKER(stride8, 8, 8)
DEFINE_WORKER(stride16, 8, 16)
DEFINE_WORKER(stride24, 8, 24)
DEFINE_WORKER(stride32, 8, 32)
DEFINE_WORKER(stride_any, 8, w->qp)

static void *(*worker_for(int64_t qp))(void *) {
    switch (qp) {
        case 4: return stride4;
        case 8: return stride8;
        case 16: return stride16;
        case 24: return stride24;
        case 32: return stride32;
        default: return stride_any;
    }
}

/* How many threads split n_items independent items: the caller's count, within 1..min(MAX_THREADS, n_items). */
static int thread_count(int n_threads, int64_t n_items) {
    if (n_threads > MAX_THREADS) n_threads = MAX_THREADS;
    if (n_threads > n_items) n_threads = (int)n_items;
    return n_threads < 1 ? 1 : n_threads;
}

/* Run ``worker`` on each of n_threads jobs (job t at jobs + t * size): job 0 on this thread, the others on their own;
 * jobs whose thread could not start run here afterwards. */
static void run_jobs(void *(*worker)(void *), void *jobs, size_t size, int n_threads) {
    pthread_t threads[MAX_THREADS];
    int started = 1;
    for (; started < n_threads; started++)
        if (pthread_create(&threads[started], NULL, worker, (char *)jobs + started * size) != 0) break;
    worker(jobs);
    for (int t = 1; t < started; t++) pthread_join(threads[t], NULL);
    for (int t = started; t < n_threads; t++) worker((char *)jobs + t * size);
}

/* Returns 0 on success, 1 on arguments the kernel does not handle (nothing is changed then). */
int potts_sites(const float *table, const float *fields, int64_t *index, const int64_t *sites, int64_t n_sites,
                const float *uniforms, int64_t n_total, int64_t n_per_rung, int64_t length, int64_t rows, int64_t q,
                int64_t qp, const int64_t *nbr_ptr, const int64_t *nbr_idx, int n_threads) {
    if (q < 1 || qp < q || qp > QMAX || (qp != 4 && qp % 8 != 0) || n_per_rung < 1 || n_total < 1) return 1;
    n_threads = thread_count(n_threads, n_total);
    job_t jobs[MAX_THREADS];
    for (int t = 0; t < n_threads; t++) {
        job_t job = {table, fields, uniforms, index, sites, nbr_ptr, nbr_idx, n_sites, n_total, n_per_rung, length,
                     rows, q, qp, n_total * t / n_threads, n_total * (t + 1) / n_threads};
        jobs[t] = job;
    }
    run_jobs(worker_for(qp), jobs, sizeof jobs[0], n_threads);
    return 0;
}

typedef struct {
    const float *table, *fields;
    const int64_t *states, *job_state, *job_block, *nbr_ptr, *nbr_idx;
    double *out;
    int64_t n_chains, length, rows, q, qp, lo, hi;
} weight_job_t;

static void *weigh(void *arg) {
    const weight_job_t *w = (const weight_job_t *)arg;
    const int64_t length = w->length, q = w->q, qp = w->qp, n_chains = w->n_chains;
    for (int64_t e = w->lo; e < w->hi; e++) w->out[e] = 0.0;
    for (int64_t i = 0; i < length; i++) {
        const float *tab = w->table + i * w->rows * qp;
        const int64_t *nbr = w->nbr_ptr ? w->nbr_idx + w->nbr_ptr[i] : NULL;
        const int64_t n_nbr = w->nbr_ptr ? w->nbr_ptr[i + 1] - w->nbr_ptr[i] : length;
        for (int64_t e = w->lo; e < w->hi; e++) {
            const int64_t p = e / n_chains, block = w->job_block[p];
            const int64_t *x = w->states + (w->job_state[p] * n_chains + e % n_chains) * length;
            const float *column = tab + block * length * q * qp + x[i];
            /* dense: the pairs j > i once; sparse: every listed neighbour, halved. Four sums keep the adds apart. */
            float sums[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            int64_t k = nbr ? 0 : i + 1;
            for (; k + 4 <= n_nbr; k += 4)
                for (int c = 0; c < 4; c++) {
                    const int64_t j = nbr ? nbr[k + c] : k + c;
                    sums[c] += column[(j * q + x[j]) * qp];
                }
            for (; k < n_nbr; k++) {
                const int64_t j = nbr ? nbr[k] : k;
                sums[0] += column[(j * q + x[j]) * qp];
            }
            const double pairs = (double)((sums[0] + sums[1]) + (sums[2] + sums[3])) * (nbr ? 0.5 : 1.0);
            w->out[e] += (double)w->fields[(block * length + i) * qp + x[i]] + pairs;
        }
    }
    return NULL;
}

/* out[p][n] = log weight of states[job_state[p]][n] (states: S x n_chains x L, values 0..q-1) under rung
 * job_block[p]. Returns 0 on success, 1 on arguments the kernel does not handle. */
int potts_log_weights(const float *table, const float *fields, const int64_t *states, const int64_t *job_state,
                      const int64_t *job_block, int64_t n_jobs, int64_t n_chains, int64_t length, int64_t rows,
                      int64_t q, int64_t qp, const int64_t *nbr_ptr, const int64_t *nbr_idx, double *out,
                      int n_threads) {
    const int64_t n_total = n_jobs * n_chains;
    if (q < 1 || qp < q || n_total < 1) return 1;
    n_threads = thread_count(n_threads, n_total);
    weight_job_t jobs[MAX_THREADS];
    for (int t = 0; t < n_threads; t++) {
        weight_job_t job = {table, fields, states, job_state, job_block, nbr_ptr, nbr_idx, out, n_chains, length, rows,
                            q, qp, n_total * t / n_threads, n_total * (t + 1) / n_threads};
        jobs[t] = job;
    }
    run_jobs(weigh, jobs, sizeof jobs[0], n_threads);
    return 0;
}
