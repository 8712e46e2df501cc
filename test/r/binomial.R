# Reference values for src/analysis/{normal,beta,binomial,beta-binomial}.ts:
# pnorm/qnorm/pbeta/qbeta/dbinom/pbinom grids, binom.test (p-value and Clopper-Pearson interval)
# and Beta-binomial posterior summaries.
# Run from the repository root: Rscript test/r/binomial.R [output-dir]
source(file.path("test", "r", "json.R"))

# --- distribution functions ---------------------------------------------------------------
normal_x <- c(-40, -38, -37.6, -20, -8.3, -8, -6, -5.7, -5.6, -3, -1.96, -1, -0.7, -0.674, -0.5, -1e-9,
              0, 1e-9, 0.3, 0.6744, 0.68, 1, 1.5, 1.96, 2.5, 4, 5.65, 5.66, 7, 8.29, 8.3, 10, 20, 37.5, 38)
normal_p <- c(1e-300, 1e-100, 1e-20, 1e-11, 1e-10, 1e-5, 0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.0751,
              0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9, 0.92, 0.925, 0.95, 0.975, 0.99, 0.995, 0.999, 1 - 1e-10)
normal <- list(
  x = normal_x, lower = pnorm(normal_x), upper = pnorm(normal_x, lower.tail = FALSE),
  p = normal_p, quantile = qnorm(normal_p),
  confLevels = c(0.5, 0.8, 0.9, 0.95, 0.99, 0.999), z = qnorm(1 - (1 - c(0.5, 0.8, 0.9, 0.95, 0.99, 0.999)) / 2)
)

beta_grid <- expand.grid(x = c(1e-6, 0.001, 0.02, 0.1, 0.25, 0.5, 0.7, 0.9, 0.99, 0.999999),
                         a = c(0.5, 1, 2, 3.5, 10, 31, 120), b = c(0.5, 1, 4, 9.5, 29, 200))
beta <- list(
  x = beta_grid$x, a = beta_grid$a, b = beta_grid$b,
  lower = pbeta(beta_grid$x, beta_grid$a, beta_grid$b),
  upper = pbeta(beta_grid$x, beta_grid$a, beta_grid$b, lower.tail = FALSE)
)
qbeta_grid <- expand.grid(p = c(1e-8, 0.0005, 0.005, 0.025, 0.05, 0.1, 0.5, 0.8, 0.95, 0.975, 0.995),
                          a = c(0.5, 1, 2, 7, 25, 151), b = c(0.5, 1, 3, 12.5, 30, 240))
beta_quantile <- list(p = qbeta_grid$p, a = qbeta_grid$a, b = qbeta_grid$b,
                      quantile = qbeta(qbeta_grid$p, qbeta_grid$a, qbeta_grid$b))

binom_grid <- expand.grid(x = 0:40, n = c(1, 5, 24, 30, 40), p = c(0.01, 0.1, 0.37, 0.5, 0.93))
binom_grid <- binom_grid[binom_grid$x <= binom_grid$n, ]
binomial_distribution <- list(
  x = binom_grid$x, n = binom_grid$n, p = binom_grid$p,
  probability = dbinom(binom_grid$x, binom_grid$n, binom_grid$p),
  lower = pbinom(binom_grid$x, binom_grid$n, binom_grid$p),
  upper = pbinom(binom_grid$x, binom_grid$n, binom_grid$p, lower.tail = FALSE)
)

# --- binom.test ------------------------------------------------------------------------------
counts <- list(c(0, 1), c(1, 1), c(0, 7), c(1, 7), c(3, 7), c(7, 7), c(0, 24), c(2, 24), c(3, 24),
               c(12, 24), c(24, 24), c(1, 30), c(3, 30), c(5, 30), c(29, 30), c(10, 50), c(25, 50),
               c(4, 100), c(63, 250), c(1000, 2000))
tests <- list()
levels <- c(0.95, 0.9, 0.99, 0.8)
k <- 0
for (xn in counts) for (p in c(0.1, 0.5, 0.3, 0.93)) for (alt in c("two.sided", "less", "greater")) {
  k <- k + 1
  level <- levels[(k %% length(levels)) + 1]
  res <- binom.test(xn[1], xn[2], p = p, alternative = alt, conf.level = level)
  tests[[k]] <- list(x = sc(xn[1]), n = sc(xn[2]), p = sc(p), alternative = sc(alt), confLevel = sc(level),
                     pValue = sc(res$p.value), lower = sc(res$conf.int[1]), upper = sc(res$conf.int[2]),
                     estimate = sc(unname(res$estimate)))
}

# --- Beta-binomial posterior -------------------------------------------------------------------
posterior <- list()
k <- 0
for (prior in list(c(1, 1), c(0.5, 0.5), c(2, 18), c(1, 9))) for (xn in list(c(0, 5), c(1, 7), c(2, 24), c(5, 30), c(0, 1))) {
  k <- k + 1
  a <- prior[1] + xn[1]
  b <- prior[2] + xn[2] - xn[1]
  posterior[[k]] <- list(
    priorA = sc(prior[1]), priorB = sc(prior[2]), x = sc(xn[1]), n = sc(xn[2]),
    a = sc(a), b = sc(b), mean = sc(a / (a + b)),
    lower95 = sc(qbeta(0.025, a, b)), upper95 = sc(qbeta(0.975, a, b)),
    lower90 = sc(qbeta(0.05, a, b)), upper90 = sc(qbeta(0.95, a, b)),
    probabilityAbove10 = sc(pbeta(0.1, a, b, lower.tail = FALSE)),
    probabilityAbove30 = sc(pbeta(0.3, a, b, lower.tail = FALSE))
  )
}

write_fixture(list(generator = sc("test/r/binomial.R"), r = sc(R.version.string),
                   normal = normal, beta = beta, betaQuantile = beta_quantile,
                   binomial = binomial_distribution), "distributions.json")
write_fixture(list(generator = sc("test/r/binomial.R"), r = sc(R.version.string),
                   binomTest = tests, posterior = posterior), "binomial.json")
