"""Manufacturing AI: anomaly detection, quality prediction, remaining useful life, forecasting.

Every estimator follows one small API (scikit-learn style): ``fit`` / ``predict`` / ``score``,
``get_params`` / ``set_params``, and :func:`jejo.ai.base.save_model` / :func:`jejo.ai.base.load_model`
to store it with its metadata. CPU only; nothing is downloaded at run time.
"""
