# Reference values for test/outcomes/ttci-r.test.ts: the TTCI analyses of a derived data set, by R.
# Usage: Rscript test/outcomes/ttci.R ttci.csv mortality.csv output.json
suppressPackageStartupMessages(library(survival))
source(file.path("test", "r", "json.R"))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])

km <- survfit(Surv(time, event) ~ 1, data = d)
med <- survival:::survmean(km, rmean = "none")$matrix
risk <- summary(km, times = c(0, 7, 14, 21, 28), extend = TRUE)
aj <- survfit(Surv(ctime, factor(cstatus, levels = 0:2)) ~ 1, data = d)
if (!identical(aj$states, c("(s0)", "1", "2"))) stop("unexpected state order")
m <- read.csv(args[2])
deaths <- sum(m$died28)
n <- nrow(m)
bt <- binom.test(deaths, n, p = 0.1, alternative = "less")

out <- list(
  km = list(time = km$time, nRisk = km$n.risk, nEvent = km$n.event, nCensor = km$n.censor,
            surv = km$surv, stdErr = km$std.err, lower = km$lower, upper = km$upper,
            median = sc(unname(med["median"])), medianLower = sc(unname(med[length(med) - 1])),
            medianUpper = sc(unname(med[length(med)])), atRisk = risk$n.risk),
  aj = list(time = aj$time, event = aj$pstate[, 2], competing = aj$pstate[, 3],
            eventStdErr = aj$std.err[, 2], eventLower = aj$lower[, 2], eventUpper = aj$upper[, 2]),
  mortality = list(deaths = sc(deaths), n = sc(n), pValue = sc(bt$p.value),
                   upper = sc(bt$conf.int[2]),
                   posteriorLower = sc(qbeta(0.025, 1 + deaths, 1 + n - deaths)),
                   posteriorUpper = sc(qbeta(0.975, 1 + deaths, 1 + n - deaths)),
                   probabilityBelow = sc(pbeta(0.1, 1 + deaths, 1 + n - deaths)))
)
writeLines(to_json(out), args[3])
