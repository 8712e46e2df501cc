# Reference values for src/analysis/logrank.ts and cox.ts: survdiff (log-rank, rho = 0) observed,
# expected, variance, chi-square and p-value, and coxph (ties = "efron") coefficients, standard
# errors, hazard ratios with 95 % limits, log partial likelihoods and the likelihood-ratio, Wald and
# score tests, with and without strata; and a pchisq grid for the chi-square tail.
# Run from the repository root: Rscript test/r/cox-logrank.R [output-dir]
source(file.path("test", "r", "json.R"))
suppressPackageStartupMessages(library(survival))

# Groups in code-point order of their labels, as exotrial orders them (R's default collation may differ).
levels_cp <- function(x) sort(unique(as.character(x)), method = "radix")

lung2 <- lung[!is.na(lung$ph.ecog), ]
vet <- veteran
set.seed(20260412)
n <- 120
tied <- data.frame(
  time = sample(1:12, n, replace = TRUE),
  event = rbinom(n, 1, 0.7),
  arm = sample(c("exosome", "placebo"), n, replace = TRUE),
  site = sample(c("RJ", "WH", "SH"), n, replace = TRUE)
)
small <- data.frame(time = c(2, 3, 3, 5, 7, 8, 8, 9, 12, 14), event = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1),
                    arm = c("A", "B", "A", "B", "A", "B", "A", "B", "A", "B"))

cases <- list(
  list(name = "lung by sex", time = lung$time, event = lung$status - 1, group = lung$sex, strata = NULL, reference = NULL),
  list(name = "lung by sex, reference 2", time = lung$time, event = lung$status - 1, group = lung$sex, strata = NULL, reference = "2"),
  list(name = "lung by ph.ecog (4 levels)", time = lung2$time, event = lung2$status - 1, group = lung2$ph.ecog, strata = NULL, reference = NULL),
  list(name = "veteran by celltype, strata prior", time = vet$time, event = vet$status, group = vet$celltype, strata = vet$prior, reference = NULL),
  list(name = "veteran by trt", time = vet$time, event = vet$status, group = vet$trt, strata = NULL, reference = NULL),
  list(name = "aml by x", time = aml$time, event = aml$status, group = aml$x, strata = NULL, reference = NULL),
  list(name = "ovarian by rx, strata resid.ds", time = ovarian$futime, event = ovarian$fustat, group = ovarian$rx, strata = ovarian$resid.ds, reference = NULL),
  list(name = "heavy ties by arm", time = tied$time, event = tied$event, group = tied$arm, strata = NULL, reference = NULL),
  list(name = "heavy ties by site, strata arm", time = tied$time, event = tied$event, group = tied$site, strata = tied$arm, reference = "SH"),
  list(name = "ten people", time = small$time, event = small$event, group = small$arm, strata = NULL, reference = NULL)
)

out <- list()
for (k in seq_along(cases)) {
  cs <- cases[[k]]
  lv <- levels_cp(cs$group)
  ref <- if (is.null(cs$reference)) lv[1] else cs$reference
  g <- factor(as.character(cs$group), levels = c(ref, setdiff(lv, ref)))
  gd <- factor(as.character(cs$group), levels = lv)
  d <- data.frame(time = cs$time, event = cs$event, g = g, gd = gd)
  if (!is.null(cs$strata)) d$s <- factor(as.character(cs$strata), levels = levels_cp(cs$strata))
  sd <- if (is.null(cs$strata)) survdiff(Surv(time, event) ~ gd, data = d) else
    survdiff(Surv(time, event) ~ gd + strata(s), data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  exp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  fit <- if (is.null(cs$strata)) coxph(Surv(time, event) ~ g, data = d, ties = "efron") else
    coxph(Surv(time, event) ~ g + strata(s), data = d, ties = "efron")
  sm <- summary(fit)
  out[[k]] <- list(
    name = sc(cs$name), time = cs$time, event = cs$event, group = as.character(cs$group),
    strata = if (is.null(cs$strata)) NULL else as.character(cs$strata), reference = sc(ref),
    levels = lv,
    logrank = list(observed = unname(obs), expected = unname(exp),
                   variance = lapply(seq_len(nrow(sd$var)), function(i) unname(sd$var[i, ])),
                   chisq = sc(sd$chisq), df = sc(length(lv[exp > 0]) - 1),
                   pValue = sc(pchisq(sd$chisq, length(lv[exp > 0]) - 1, lower.tail = FALSE))),
    cox = list(levels = levels(g)[-1], coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
               hazardRatio = unname(exp(coef(fit))), lower = unname(sm$conf.int[, "lower .95"]),
               upper = unname(sm$conf.int[, "upper .95"]), z = unname(sm$coefficients[, "z"]),
               pValue = unname(sm$coefficients[, "Pr(>|z|)"]), loglik = unname(fit$loglik),
               n = sc(fit$n), events = sc(fit$nevent),
               likelihoodRatio = list(statistic = sc(unname(sm$logtest["test"])), df = sc(unname(sm$logtest["df"])), pValue = sc(unname(sm$logtest["pvalue"]))),
               # summary() rounds its Wald statistic to two decimals; fit$wald.test is the unrounded one.
               wald = list(statistic = sc(unname(fit$wald.test)), df = sc(unname(sm$waldtest["df"])),
                           pValue = sc(pchisq(unname(fit$wald.test), unname(sm$waldtest["df"]), lower.tail = FALSE))),
               score = list(statistic = sc(unname(sm$sctest["test"])), df = sc(unname(sm$sctest["df"])), pValue = sc(unname(sm$sctest["pvalue"]))))
  )
}

grid <- expand.grid(x = c(0, 1e-6, 0.01, 0.5, 1, 2.5, 3.84, 7.2, 15, 40, 120), df = c(1, 2, 3, 5, 10, 30))
chisq <- list(x = grid$x, df = grid$df, upper = pchisq(grid$x, grid$df, lower.tail = FALSE))

write_fixture(list(generator = sc("test/r/cox-logrank.R"), r = sc(R.version.string),
                   survival = sc(as.character(packageVersion("survival"))), cases = out, chisq = chisq),
              "cox-logrank.json")
