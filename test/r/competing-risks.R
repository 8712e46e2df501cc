# Reference values for src/analysis/competing-risks.ts: Aalen-Johansen state probabilities from
# survfit with a factor status (multi-state), their infinitesimal-jackknife standard errors and
# pointwise intervals, for survival's mgus2 (progression vs death, as in the survival vignette)
# and hand-made edge cases.
# Run from the repository root: Rscript test/r/competing-risks.R [output-dir]
suppressPackageStartupMessages(library(survival))
source(file.path("test", "r", "json.R"))

mgus <- mgus2
mgus$etime <- ifelse(mgus$pstat == 0, mgus$futime, mgus$ptime)
mgus$event <- ifelse(mgus$pstat == 0, 2 * mgus$death, 1)

cases <- list(
  list(name = "mgus2", time = mgus$etime, status = mgus$event, group = as.character(mgus$sex)),
  list(name = "small-ties", time = c(1, 2, 2, 3, 4, 4, 5, 6, 7), status = c(1, 2, 0, 1, 1, 2, 0, 2, 1)),
  list(name = "causes-tied", time = c(2, 2, 2, 2, 3, 5, 5, 8, 8, 9), status = c(1, 2, 0, 1, 0, 2, 2, 1, 0, 0)),
  list(name = "all-censored", time = c(1, 4, 6), status = c(0, 0, 0)),
  list(name = "only-competing", time = c(1, 3, 3, 6, 8), status = c(2, 2, 0, 2, 0)),
  list(name = "single-subject", time = c(5), status = c(1)),
  list(name = "event-at-last-time", time = c(1, 2, 3, 4, 5, 5), status = c(0, 1, 2, 0, 1, 2))
)
settings <- list(list(type = "log", level = 0.95), list(type = "log-log", level = 0.95),
                 list(type = "plain", level = 0.9))

state_json <- function(fit, k) {
  list(estimate = unname(fit$pstate[, k]), stdErr = unname(fit$std.err[, k]),
       lower = unname(fit$lower[, k]), upper = unname(fit$upper[, k]))
}

stratum_json <- function(fit, label) {
  list(group = if (is.null(label)) NULL else sc(label),
       time = fit$time, nRisk = unname(fit$n.risk[, 1]),
       nEvent1 = unname(fit$n.event[, 2]), nEvent2 = unname(fit$n.event[, 3]), nCensor = unname(fit$n.censor),
       eventFree = state_json(fit, 1), event = state_json(fit, 2), competing = state_json(fit, 3))
}

out <- lapply(cases, function(cs) {
  d <- data.frame(time = cs$time, status = factor(cs$status, levels = 0:2))
  fits <- lapply(settings, function(s) {
    fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = s$type, conf.int = s$level)
    if (!identical(fit$states, c("(s0)", "1", "2"))) stop("unexpected state order")
    grouped <- NULL
    if (!is.null(cs$group)) {
      d$group <- cs$group
      gfit <- survfit(Surv(time, status) ~ group, data = d, conf.type = s$type, conf.int = s$level)
      levels <- sub("^group=", "", names(gfit$strata))
      grouped <- lapply(seq_along(levels), function(i) stratum_json(gfit[i, ], levels[i]))
    }
    list(confType = sc(s$type), confLevel = sc(s$level), overall = stratum_json(fit, NULL), groups = grouped)
  })
  list(name = sc(cs$name), time = cs$time, status = cs$status, group = cs$group, fits = fits)
})

write_fixture(list(generator = sc("test/r/competing-risks.R"), r = sc(R.version.string),
                   survival = sc(as.character(packageVersion("survival"))), cases = out),
              "competing-risks.json")
