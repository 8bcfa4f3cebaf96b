from django.urls import path

from accounts.views import api_tokens, audit, auth, invitations, organisations, profile, team, two_factor

app_name = "accounts"
urlpatterns = [
    path("", profile.account, name="account"),
    path("password/", profile.password_change, name="password-change"),
    path("emails/", profile.email_preferences, name="email-preferences"),
    path("job-title/", profile.job_title, name="job-title"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("two-factor/", two_factor.verify, name="two-factor"),
    path("two-factor/set-up/", two_factor.setup, name="two-factor-setup"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="two-factor-recovery-codes"),
    path("two-factor/turn-off/", two_factor.turn_off, name="two-factor-off"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", auth.signed_out, name="signed-out"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", auth.password_reset_sent, name="password-reset-sent"),
    path("password-reset/<uidb64>/<token>/", auth.password_reset_confirm, name="password-reset-confirm"),
    path("invitation/<str:token>/", invitations.accept, name="invitation"),
    path("organisation/", organisations.switch, name="switch-organisation"),
    path("team/", team.team, name="team"),
    path("team/invite/", team.invite, name="invite"),
    path("team/two-factor/", two_factor.organisation_requirement, name="team-two-factor"),
    path("team/<int:membership_id>/", team.member_edit, name="member-edit"),
    path("team/<int:membership_id>/remove/", team.member_remove, name="member-remove"),
    path(
        "team/<int:membership_id>/two-factor-reset/", two_factor.member_reset, name="member-two-factor-reset"
    ),
    path("team/invitations/<int:invitation_id>/withdraw/", team.invitation_revoke, name="invitation-revoke"),
    path("team/invitations/<int:invitation_id>/resend/", team.invitation_resend, name="invitation-resend"),
    path("audit/", audit.audit_log, name="audit-log"),
    path("audit/sign-ins/", audit.sign_ins, name="sign-ins"),
    path("api-tokens/", api_tokens.token_list, name="api-tokens"),
    path("api-tokens/new/", api_tokens.token_new, name="api-token-new"),
    path("api-tokens/<int:token_id>/revoke/", api_tokens.token_revoke, name="api-token-revoke"),
    path("api-tokens/sign-off/", api_tokens.sign_off_update, name="api-sign-off"),
]
