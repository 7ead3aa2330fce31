from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from khareetaty import views
from khareetaty.accounts import views as account_views

api_patterns = [
    path("auth/", include("khareetaty.accounts.api.urls")),
    path("", include("khareetaty.audit.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("incidents.api.batch_urls")),
    path("analytics/", include("analytics.api.urls", namespace="analytics_api")),
    path("commands/", include("commands.api.urls", namespace="commands_api")),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="commands_web:home"), name="home"),
    path("", include("commands.urls")),
    path("analytics/", include("analytics.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("api/", include(api_patterns)),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/login/otp/", account_views.SignInOtpView.as_view(), name="login_otp"),
    path("accounts/2fa/", account_views.OtpEnrolView.as_view(), name="otp_enrol"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in through the site's page: sign-in limits and the one-time code apply.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    # ... and changes one's password through the site's page, which ends the old tokens.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
]
