from django.urls import path

from khareetaty.accounts.api import views

app_name = "auth"

urlpatterns = [
    path("login", views.LoginView.as_view(), name="login"),
    path("refresh", views.RefreshView.as_view(), name="refresh"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("me", views.MeView.as_view(), name="me"),
    path("password", views.PasswordChangeView.as_view(), name="password_change"),
    path("users", views.UserCreateView.as_view(), name="user_create"),
]
