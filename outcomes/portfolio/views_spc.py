"""A target's SPC baseline page (portfolio:spc-baseline): the lead body fixes the process limits on the
first B monthly values, or returns to every value, with a reason (``outcomes.results.baselines``)."""

from __future__ import annotations

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.access import organisation_required
from accounts.govuk_forms import GovukFormMixin, apply_service_errors
from commissioning.models import Target
from outcomes.measures import MEASURES, target_measure_name
from outcomes.results.baselines import baseline_history, require_fix_baseline, spc_baseline_set
from outcomes.results.selectors import result_contract_get_for
from outcomes.results.spc import target_spc
from outcomes.statistics.spc import MINIMUM_POINTS

EVERY = "every"


class SpcBaselineForm(GovukFormMixin, forms.Form):
    points = forms.ChoiceField(
        label="Process limits from",
        error_messages={
            "required": "Choose the values the process limits come from",
            "invalid_choice": "Choose the values the process limits come from, from the list",
        },
    )
    reason = forms.CharField(
        label="Reason",
        help_text="For example the change to the service that the baseline comes before. It is kept with "
        "the baseline and in the audit log.",
        required=False,  # the service says what a reason must hold
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, months: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].choices = [(EVERY, f"Every value ({len(months)}): no fixed baseline")] + [
            (str(count), f"The first {count} values ({months[0]:%B %Y} to {months[count - 1]:%B %Y})")
            for count in range(MINIMUM_POINTS, len(months) + 1)
        ]
        self.helper.layout = Layout(Field.select("points"), Field.textarea("reason"))

    @property
    def points_value(self) -> int | None:
        value = self.cleaned_data.get("points", EVERY)
        return None if value == EVERY else int(value)


@organisation_required
def spc_baseline(request: HttpRequest, contract_id: int, target_id: int) -> HttpResponse:
    acting = request.acting
    contract = result_contract_get_for(acting, contract_id)
    target = get_object_or_404(Target, pk=target_id, contract=contract)
    require_fix_baseline(acting, contract)
    spc = target_spc(target)
    months = [point.month for point in spc.points]
    current = str(spc.baseline.points) if spc.baseline else EVERY
    form = SpcBaselineForm(request.POST or None, months=months, initial={"points": current})
    trend = reverse("portfolio:trend", args=[contract.pk, target.pk]) + "#spc"
    if request.method == "POST" and form.is_valid():
        try:
            baseline = spc_baseline_set(
                acting=acting,
                target=target,
                points=form.points_value,
                months=months,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The process limits now come from the first {baseline.points} values "
                f"({baseline.first_month:%B %Y} to {baseline.last_month:%B %Y}); later months are judged "
                "against them."
                if baseline.points
                else "The fixed baseline is removed: the process limits come from every value again.",
            )
            return redirect(trend)
    return render(
        request,
        "outcomes/portfolio/spc_baseline.html",
        {
            "contract": contract,
            "target": target,
            "name": target_measure_name(MEASURES[target.measure], target.params),
            "spc": spc,
            "form": form,
            "history": baseline_history(target),
            "trend": trend,
            "minimum": MINIMUM_POINTS,
        },
    )
