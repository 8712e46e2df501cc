# Reference values for src/analysis/kaplan-meier.ts: survfit (KM), print.survfit's median and
# quantile.survfit, and summary(fit, times =)$n.risk, for survival's datasets and hand-made edge cases.
# Run from the repository root: Rscript test/r/kaplan-meier.R [output-dir]
suppressPackageStartupMessages(library(survival))
source(file.path("test", "r", "json.R"))

cases <- list(
  list(name = "aml", time = aml$time, event = aml$status, group = as.character(aml$x)),
  list(name = "lung", time = lung$time, event = lung$status - 1, group = ifelse(lung$sex == 1, "male", "female")),
  list(name = "ovarian", time = ovarian$futime, event = ovarian$fustat, group = paste0("rx", ovarian$rx)),
  list(name = "all-censored", time = c(3, 5, 5, 8), event = c(0, 0, 0, 0)),
  list(name = "ties-event-censor", time = c(1, 2, 2, 2, 3, 3, 4, 4, 4, 6), event = c(1, 1, 0, 1, 0, 1, 1, 0, 0, 1)),
  list(name = "event-at-last-time", time = c(2, 3, 3, 5, 7), event = c(1, 0, 1, 1, 1)),
  list(name = "single-event", time = c(4), event = c(1)),
  list(name = "single-censored", time = c(4), event = c(0)),
  list(name = "median-not-reached", time = c(1, 2, 3, 4, 5, 6, 7, 8), event = c(1, 0, 1, 0, 0, 0, 0, 0)),
  list(name = "flat-half-then-drop", time = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 1, 1)),
  list(name = "flat-half-to-end", time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),
  list(name = "flat-half-exact", time = c(1, 2, 4, 6, 9, 12, 15, 20), event = c(1, 1, 1, 1, 0, 0, 1, 0)),
  list(name = "fractional-times", time = c(0.5, 1.25, 1.25, 2.75, 3.1, 3.1, 3.1, 8.9), event = c(1, 0, 1, 1, 1, 0, 1, 0)),
  list(name = "time-zero", time = c(0, 0, 1, 2, 2, 5), event = c(1, 0, 1, 1, 0, 1))
)

fit_settings <- list(
  list(type = "log", level = 0.95), list(type = "log-log", level = 0.95),
  list(type = "plain", level = 0.95), list(type = "log", level = 0.9), list(type = "log-log", level = 0.8)
)
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)

stratum_json <- function(fit, label, time) {
  med <- survival:::survmean(fit, rmean = "none")$matrix
  q <- quantile(fit, probs = probs)
  risk_times <- sort(unique(c(0, quantile(time, c(0.25, 0.5, 0.75), names = FALSE), max(time), max(time) + 1)))
  risk <- summary(fit, times = risk_times, extend = TRUE)
  list(
    group = if (is.null(label)) NULL else sc(label),
    time = fit$time, nRisk = fit$n.risk, nEvent = fit$n.event, nCensor = fit$n.censor,
    surv = fit$surv, stdErr = fit$std.err, lower = fit$lower, upper = fit$upper,
    median = list(median = sc(unname(med["median"])), lower = sc(unname(med[length(med) - 1])),
                  upper = sc(unname(med[length(med)]))),
    quantiles = list(probs = probs, quantile = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper)),
    atRisk = list(times = risk_times, nRisk = risk$n.risk)
  )
}

out <- lapply(cases, function(cs) {
  d <- data.frame(time = cs$time, event = cs$event)
  fits <- lapply(fit_settings, function(s) {
    fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = s$type, conf.int = s$level)
    strata <- list(stratum_json(fit, NULL, d$time))
    if (!is.null(cs$group)) {
      d$group <- cs$group
      gfit <- survfit(Surv(time, event) ~ group, data = d, conf.type = s$type, conf.int = s$level)
      levels <- sub("^group=", "", names(gfit$strata))
      grouped <- lapply(seq_along(levels), function(i) stratum_json(gfit[i], levels[i], d$time[d$group == levels[i]]))
    } else grouped <- NULL
    list(confType = sc(s$type), confLevel = sc(s$level), overall = strata[[1]], groups = grouped)
  })
  list(name = sc(cs$name), time = cs$time, event = cs$event, group = cs$group, fits = fits)
})

write_fixture(list(
  generator = sc("test/r/kaplan-meier.R"),
  r = sc(R.version.string), survival = sc(as.character(packageVersion("survival"))),
  cases = out
), "kaplan-meier.json")
