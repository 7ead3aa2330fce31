from django.contrib.admin.apps import AdminConfig


class KhareetatyAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the site that refuses every role but superadmin."""

    default_site = "khareetaty.admin_site.KhareetatyAdminSite"
