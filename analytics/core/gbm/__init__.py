"""A global gradient-boosted forecaster of daily counts (LightGBM, Poisson objective) with
negative-binomial intervals, its seasonal-change baseline, and the blend chosen between them."""
