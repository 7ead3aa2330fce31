from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from khareetaty import views
from khareetaty.accounts import views as account_views
from khareetaty.pages import PageCatalog
from khareetaty.permissions import ANY_ROLE, PUBLIC, SUPERADMINS, role_required

# Every URL declares who may call it (``role_access``): API views on the class, plain views
# through ``role_required``; khareetaty/tests/test_role_matrix.py walks them all.
public = role_required(PUBLIC)

api_patterns = [
    path("auth/", include("khareetaty.accounts.api.urls")),
    path("", include("khareetaty.audit.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("incidents.api.batch_urls")),
    path("analytics/", include("analytics.api.urls", namespace="analytics_api")),
    path("commands/", include("commands.api.urls", namespace="commands_api")),
    path("interop/", include("interop.api.urls", namespace="interop_api")),
    path("interop/", include("iot.api.interop_urls", namespace="iot_interop_api")),
    path("briefings/", include("briefings.api.urls", namespace="briefings_api")),
    path("iot/v1/", include("iot.api.urls", namespace="iot_api")),
    path("patrol/", include("patrol.api.urls", namespace="patrol_api")),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="schema"), name="docs"),
]

handler404 = "khareetaty.schema.api_not_found"
handler500 = "khareetaty.views.server_error"

urlpatterns = [
    path("", public(RedirectView.as_view(pattern_name="commands_web:home")), name="home"),
    path("", include("commands.urls")),
    path("analytics/", include("analytics.urls")),
    path("", include("briefings.urls")),
    path("patrol/", include("patrol.urls")),
    path("healthz", public(views.healthz), name="healthz"),
    path("readyz", public(views.readyz), name="readyz"),
    # Public to the role policy; the view admits the internal network or the metrics token.
    path("metrics", public(views.metrics), name="metrics"),
    path("api/", include(api_patterns)),
    path("accounts/login/", public(account_views.SignInView.as_view()), name="login"),
    path("accounts/login/otp/", public(account_views.SignInOtpView.as_view()), name="login_otp"),
    path(
        "accounts/2fa/",
        role_required(SUPERADMINS)(account_views.OtpEnrolView.as_view()),
        name="otp_enrol",
    ),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "accounts/password/",
        role_required(ANY_ROLE)(account_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        role_required(ANY_ROLE)(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("i18n/setlang/", public(set_language), name="set_language"),
    # The pages' words: the same for everyone, no data, so public (and cacheable).
    path("jsi18n/<slug:lang>.js", public(PageCatalog.as_view()), name="js_catalog"),
    path("admin/", admin.site.urls),
]
