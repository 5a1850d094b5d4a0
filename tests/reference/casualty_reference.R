# Reference values for chapter 8's casualty trend, computed in R independently of src/cmac.
# Run from the project root:  Rscript tests/reference/casualty_reference.R
# Writes tests/reference/casualty_reference.json (tests/test_casualty_reference.py reads it).
#
# The series is the preferred casualty figure per year, 1996-2024, as chosen by the written
# rule in cmac.national from data/casualties_monitor.csv and data/casualties_press.csv (no
# figure for 2004). The test checks that the chapter's series is exactly this one, so the
# rule is tested elsewhere and the statistics here.
suppressPackageStartupMessages({
  library(jsonlite)
  library(sandwich)
  library(lmtest)
})

series <- c(
  "1996" = 4320, "1997" = 2048, "1998" = 1249, "1999" = 1012, "2000" = 832, "2001" = 813,
  "2002" = 834, "2003" = 772, "2005" = 875, "2006" = 450, "2007" = 352, "2008" = 269,
  "2009" = 244, "2010" = 286, "2011" = 211, "2012" = 186, "2013" = 111, "2014" = 154,
  "2015" = 111, "2016" = 83, "2017" = 58, "2018" = 58, "2019" = 77, "2020" = 65, "2021" = 44,
  "2022" = 41, "2023" = 32, "2024" = 49
)
year <- as.numeric(names(series))
y <- log(as.numeric(series))
t <- year - min(year)

pct <- function(b) 100 * (exp(b) - 1)
z <- qnorm(0.975)

# OLS trend on the log scale, with its residual checks.
fit <- lm(y ~ t)
e <- residuals(fit)
ols_ci <- confint(fit)["t", ]
dw <- sum(diff(e)^2) / sum(e^2)  # on consecutive observations, as statsmodels computes it
lb <- Box.test(e, lag = 3, type = "Ljung-Box")
bp <- bptest(fit)  # studentised (Koenker) form
n <- length(e)
s <- mean((e - mean(e))^3) / mean((e - mean(e))^2)^1.5
k <- mean((e - mean(e))^4) / mean((e - mean(e))^2)^2
jb <- n / 6 * (s^2 + (k - 3)^2 / 4)

# Newey-West, one lag, Bartlett weights, no prewhitening, t reference (n - 2 df).
hac <- function(adjust) {
  v <- NeweyWest(fit, lag = 1, prewhite = FALSE, adjust = adjust)
  se <- sqrt(v["t", "t"])
  b <- coef(fit)[["t"]]
  q <- qt(0.975, df.residual(fit))
  list(se = se, low = b - q * se, high = b + q * se)
}

# Linear trend with AR(1) errors by exact maximum likelihood on the full yearly grid: the
# missing year (2004) is NA, which arima's Kalman filter skips. Standard errors from the
# numerical Hessian (arima's own var.coef); 95 % interval b +/- 1.96 se.
grid <- seq(min(year), max(year))
y_full <- rep(NA_real_, length(grid))
y_full[match(year, grid)] <- y
ar <- arima(y_full, order = c(1, 0, 0), xreg = cbind(trend = grid - min(grid)), method = "ML")
ar_b <- coef(ar)[["trend"]]
ar_se <- sqrt(ar$var.coef["trend", "trend"])

out <- list(
  produced_by = "tests/reference/casualty_reference.R",
  r_version = R.version.string,
  packages = list(
    sandwich = as.character(packageVersion("sandwich")),
    lmtest = as.character(packageVersion("lmtest")),
    jsonlite = as.character(packageVersion("jsonlite"))
  ),
  series = list(year = year, casualties = as.numeric(series)),
  ols = list(
    slope = coef(fit)[["t"]], se = summary(fit)$coefficients["t", "Std. Error"],
    low = ols_ci[[1]], high = ols_ci[[2]],
    pct = pct(coef(fit)[["t"]]), pct_low = pct(ols_ci[[1]]), pct_high = pct(ols_ci[[2]])
  ),
  checks = list(
    durbin_watson = dw,
    ljung_box_lag = 3, ljung_box_q = unname(lb$statistic), ljung_box_p = lb$p.value,
    breusch_pagan_lm = unname(bp$statistic), breusch_pagan_p = unname(bp$p.value),
    jarque_bera = jb, jarque_bera_p = pchisq(jb, 2, lower.tail = FALSE),
    max_cooks_d = max(cooks.distance(fit)), max_cooks_d_year = year[which.max(cooks.distance(fit))],
    max_leverage = max(hatvalues(fit)), max_leverage_year = year[which.max(hatvalues(fit))]
  ),
  hac_adjusted = hac(TRUE),
  hac_unadjusted = hac(FALSE),
  ar1 = list(
    slope = ar_b, se = ar_se, phi = coef(ar)[["ar1"]],
    low = ar_b - z * ar_se, high = ar_b + z * ar_se,
    pct = pct(ar_b), pct_low = pct(ar_b - z * ar_se), pct_high = pct(ar_b + z * ar_se),
    loglik = ar$loglik
  )
)
write_json(out, "tests/reference/casualty_reference.json", auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
