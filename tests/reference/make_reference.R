# Reference values for tests/test_reference.py, computed independently of src/cmac
# with R's lm, anova, strucchange and MASS::glm.nb. Run from the project root:
#   Rscript tests/reference/make_reference.R
# It reads data/clearance_2000_2012.csv and writes tests/reference/r_reference.json.
suppressPackageStartupMessages({
  library(strucchange)
  library(MASS)
  library(jsonlite)
})

raw <- read.csv("data/clearance_2000_2012.csv")
d <- data.frame(
  year = raw$year,
  t = raw$year - min(raw$year),
  area = raw$area_m2 / 1e6,
  ap_mines = raw$ap_mines, at_mines = raw$at_mines, uxo = raw$uxo
)
# The report's dates: brush cutters from 2005; land release as a 2009 step, or a ramp
# of 1/3, 2/3, 1 over 2008-2010.
d$bc_level <- as.numeric(d$year >= 2005)
d$bc_slope <- (d$year - 2005) * d$bc_level
d$lr_step <- as.numeric(d$year >= 2009)
d$lr_ramp <- pmin(pmax((d$year - 2007) / 3, 0), 1)
d$trend_sq <- (d$t - mean(d$t))^2 / 10
n <- nrow(d)

aicc <- function(fit) {
  k <- attr(logLik(fit), "df")
  AIC(fit) + 2 * k * (k + 1) / (n - k - 1)
}
coefs <- function(fit) {
  s <- coef(summary(fit))
  lapply(setNames(rownames(s), rownames(s)), function(r) {
    list(estimate = s[r, 1], se = s[r, 2])
  })
}

its_formulas <- list(
  trend = y ~ t,
  bc_level = y ~ t + bc_level,
  bc_level_slope = y ~ t + bc_level + bc_slope,
  bc_lr_step = y ~ t + bc_level + bc_slope + lr_step,
  bc_lr_ramp = y ~ t + bc_level + bc_slope + lr_ramp
)
nested_in <- list(
  bc_level = "trend", bc_level_slope = "trend",
  bc_lr_step = "bc_level_slope", bc_lr_ramp = "bc_level_slope"
)

scale_reference <- function(y) {
  d$y <- y
  fits <- lapply(its_formulas, function(f) lm(f, data = d))
  models <- lapply(fits, function(fit) {
    list(coefficients = coefs(fit), rss = sum(residuals(fit)^2), aicc = aicc(fit))
  })
  nested <- lapply(setNames(names(nested_in), names(nested_in)), function(name) {
    a <- anova(fits[[nested_in[[name]]]], fits[[name]])
    list(f = a$F[2], df_num = a$Df[2], df_den = a$Res.Df[2], p = a$`Pr(>F)`[2])
  })
  # Joint F test of every brush-cutter and land-release term (the ramp model against the trend)
  joint <- anova(fits$trend, fits$bc_lr_ramp)
  joint_f <- list(
    f = joint$F[2], df_num = joint$Df[2], df_den = joint$Res.Df[2], p = joint$`Pr(>F)`[2]
  )
  # Chow test with the break before 2005: strucchange counts the last point of the first
  # segment (2004, the 5th observation).
  chow <- sctest(y ~ t, data = d, type = "Chow", point = 5)
  fstats <- Fstats(y ~ t, data = d, from = 3, to = n - 3)
  segmentation <- lapply(c(3, 4), function(h) {
    bp <- breakpoints(y ~ t, data = d, h = h)
    table <- summary(bp)$RSS
    lapply(seq_len(ncol(table)), function(j) {
      m <- as.integer(colnames(table)[j])
      last <- if (m == 0) integer(0) else breakpoints(bp, breaks = m)$breakpoints
      list(
        breaks = m, rss = table["RSS", j], bic = table["BIC", j],
        # first year of each new regime, as cmac.models reports it
        first_years = I(d$year[last + 1])
      )
    })
  })
  names(segmentation) <- c("h3", "h4")
  list(
    models = models, nested_f = nested, joint_f = joint_f,
    chow = list(f = unname(chow$statistic), p = unname(chow$p.value)),
    fstats = list(first_years = I(d$year[(3:(n - 3)) + 1]), f = I(unname(as.numeric(fstats$Fstats)))),
    segmentation = segmentation
  )
}

density_formulas <- list(
  trend = ~ t,  # chapter 6's headline: the average yearly change in items per km2
  linear_ramp = ~ t + lr_ramp,
  quadratic = ~ t + trend_sq,
  quadratic_ramp = ~ t + trend_sq + lr_ramp
)
negbin <- lapply(setNames(c("ap_mines", "at_mines", "uxo"), c("ap_mines", "at_mines", "uxo")), function(item) {
  lapply(density_formulas, function(rhs) {
    f <- update(rhs, paste(item, "~ . + offset(log(area))"))
    fit <- glm.nb(f, data = d, control = glm.control(maxit = 100, epsilon = 1e-10))
    # glm.nb's standard errors hold theta fixed (expected information for beta). The
    # observed information of all parameters together, from a numerical Hessian of the NB
    # log-likelihood at glm.nb's estimates, is what a joint maximum-likelihood fit reports.
    x <- model.matrix(fit)
    y <- d[[item]]
    offset <- log(d$area)
    negloglik <- function(par) {
      beta <- par[seq_len(ncol(x))]
      theta <- exp(par[ncol(x) + 1])
      -sum(dnbinom(y, size = theta, mu = exp(drop(x %*% beta) + offset), log = TRUE))
    }
    hessian <- optimHess(c(coef(fit), log(fit$theta)), negloglik,
                         control = list(ndeps = rep(1e-4, ncol(x) + 1)))
    observed_se <- sqrt(diag(solve(hessian)))[seq_len(ncol(x))]
    coefficients <- coefs(fit)
    for (j in seq_along(coefficients)) coefficients[[j]]$se_observed <- unname(observed_se[j])
    list(coefficients = coefficients, theta = fit$theta, alpha = 1 / fit$theta,
         loglik = as.numeric(logLik(fit)), converged = fit$converged)
  })
})

# Trend with AR(1) errors, by exact maximum likelihood (method = "ML", as statsmodels' ARIMA
# fits it), with R's standard errors from the numerical Hessian: every AR(1) row of chapter
# 5's trend table (2000-2012 and 1992-2012; log-linear growth and linear slope). From 1992 the
# two irregular early periods enter at their yearly rates, placed at the middle of their
# periods, as chapter 5 does; the first starts in June 1992 (the book's assumed start).
early <- read.csv("data/clearance_1992_1999.csv")
month_index <- function(ym) {
  parts <- do.call(rbind, strsplit(ym, "-"))
  as.numeric(parts[, 1]) * 12 + as.numeric(parts[, 2]) - 1
}
early_months <- month_index(early$end_month) - month_index(early$start_month) + 1
early_start <- month_index(early$start_month) / 12
long <- data.frame(
  time = c(early_start + early_months / 24 - 0.5, d$year),
  area = c(early$area_m2 / 1e6 * 12 / early_months, d$area)
)
ar1_trend <- function(time, y) {
  t <- time - min(time)
  fit <- arima(y, order = c(1, 0, 0), xreg = t, method = "ML",
               optim.control = list(maxit = 1000, reltol = 1e-12))
  ci <- confint(fit)
  list(
    slope = unname(coef(fit)["t"]), se = unname(sqrt(diag(fit$var.coef))["t"]),
    ci_low = unname(ci["t", 1]), ci_high = unname(ci["t", 2]),
    phi = unname(coef(fit)["ar1"]), loglik = fit$loglik, n = length(y)
  )
}
ar1 <- list(
  "2000-2012" = list(log = ar1_trend(d$year, log(d$area)), level = ar1_trend(d$year, d$area)),
  "1992-2012" = list(
    log = ar1_trend(long$time, log(long$area)), level = ar1_trend(long$time, long$area)
  )
)

reference <- list(
  produced_by = "tests/reference/make_reference.R",
  r_version = R.version.string,
  packages = list(
    strucchange = as.character(packageVersion("strucchange")),
    MASS = as.character(packageVersion("MASS")),
    jsonlite = as.character(packageVersion("jsonlite"))
  ),
  data = "data/clearance_2000_2012.csv",
  n = n,
  log = scale_reference(log(d$area)),
  level = scale_reference(d$area),
  negbin = negbin,
  ar1_trend = ar1
)
writeLines(toJSON(reference, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/r_reference.json")
