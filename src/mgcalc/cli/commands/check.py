"""``mgcalc check``: the cautions for kidney function, medicines, conditions and age."""

from __future__ import annotations

from mgcalc.cli.options import JsonOpt, checked, command, mode, reference, with_profile
from mgcalc.cli.output import FailOn, finish
from mgcalc.cli.views import check_view
from mgcalc.core.safety import assess
from mgcalc.schema.inputs import Profile


@command(
    footnotes=True,
    examples=[
        "mgcalc check --drug ciprofloxacin --drug levothyroxine --egfr 45",
        "mgcalc check --condition dialysis --fail-on avoid",
    ],
)
@with_profile(per_day=False)
def check(
    json_: JsonOpt = False,
    *,
    profile: Profile,
    fail_on: FailOn | None,
) -> int:
    """The cautions for kidney function, medicines, conditions and age, most severe first.

    Give --egfr or --ckd-stage, and --drug and --condition as often as needed.
    Exit 0 whatever applies, unless --fail-on says otherwise.
    """

    m = mode(json_)
    ref = reference(None)
    r = assess(ref, checked(ref, profile))
    return finish(
        r, mode=m, view=lambda: check_view(r, bool(profile.drugs)), cautions=r.cautions, fail_on=fail_on
    )
