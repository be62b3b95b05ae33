"""``stepshrink schedule``: the numbers match docs/spec.md section 3 (C2), written out anew."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from stepshrink.cli import main
from tests.stepshrink.console import exit_status, run_console

NOISY = ["--L", "2", "--Delta", "1.5", "--M", "0.3", "--M-G", "1.25", "--sigma-q2", "0.05"]


def derived(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["schedule", *argv, "--json"]) == 0
    result: dict = json.loads(capsys.readouterr().out)
    return result


def test_noise_dominated_regime(capsys: pytest.CaptureFixture[str]) -> None:
    result = derived(capsys, *NOISY, "--q-min", "0.5", "--K", "10000", "--epsilon", "0.05")
    S = 0.35
    fixed = result["fixed_stepsize"]
    # docs/spec.md section 3 (C2): mu* = sqrt(2 Delta/(K L S)), bound 2 sqrt(2 Delta L S/K)/q_min
    assert fixed["mu"] == pytest.approx(math.sqrt(2 * 1.5 / (10000 * 2 * S)), rel=1e-12)
    assert fixed["bound"] == pytest.approx(2 * math.sqrt(2 * 1.5 * 2 * S / 10000) / 0.5)
    assert fixed["regime"] == "noise-dominated"
    assert fixed["cap"] == pytest.approx(1 / (2 * 1.25))
    iterations = result["iterations"]
    # K(eps) = 8 Delta L S/(q_min^2 eps^2), as an integer: the ceiling (exact rationals: the
    # float formula lands a hair either side of an integer)
    assert iterations["K_eps"] == math.ceil(
        Fraction(8)
        * Fraction(1.5)
        * 2
        * (Fraction(0.3) + Fraction(0.05))
        / (Fraction(0.5) ** 2 * Fraction(0.05) ** 2)
    )
    assert isinstance(iterations["K_eps"], int)
    assert iterations["regime"] == "noise-dominated"
    assert iterations["K_eps_full_precision"] == math.ceil(
        Fraction(8) * Fraction(1.5) * 2 * Fraction(0.3) / Fraction(0.05) ** 2
    )
    assert iterations["slowdown"] == pytest.approx(S / (0.3 * 0.25))  # S/(M q_min^2)
    assert result["constants"]["K"] == 10000


def test_capped_regime(capsys: pytest.CaptureFixture[str]) -> None:
    # few iterations: mu* exceeds 1/(L M_G), so the cap is used
    result = derived(capsys, *NOISY, "--q-min", "0.5", "--K", "2", "--epsilon", "0.05")
    assert result["fixed_stepsize"]["regime"] == "capped"
    assert result["fixed_stepsize"]["mu"] == pytest.approx(1 / (2 * 1.25))
    # little noise (S = 0.01): K(eps) solves 2 Delta L M_G/(K q_min) + S/(M_G q_min) = eps,
    # i.e. K = 2 Delta L M_G/(q_min eps - S/M_G), below the switch K = 2 Delta L M_G^2/S
    argv = ["--L", "1", "--Delta", "1", "--M", "0.01", "--M-G", "1", "--sigma-q2", "0"]
    result = derived(capsys, *argv, "--q-min", "0.5", "--epsilon", "0.05")
    assert result["iterations"]["regime"] == "capped"
    real = 2 / (0.5 * 0.05 - 0.01)
    assert result["iterations"]["K_eps_real"] == pytest.approx(real, rel=1e-12)
    assert result["iterations"]["K_eps"] == math.ceil(real) == 134  # whole iterations
    assert result["iterations"]["K_eps"] < 2 / 0.01


def test_iteration_counts_are_integers_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    # the default: 8*1*1*0.02/(0.5^2 * 0.05^2) = 256, printed as 255.99999999999994
    assert derived(capsys)["iterations"]["K_eps"] == 256
    # a huge epsilon needs one iteration, not 4e-300 of one
    assert derived(capsys, "--epsilon", "1e300")["iterations"]["K_eps"] == 1
    # a tiny one needs more than float64 can count: null, and the reason
    iterations = derived(capsys, "--epsilon", "1e-300")["iterations"]
    assert iterations["K_eps"] is None
    assert "beyond float64's range" in iterations["K_eps_reason"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--epsilon", "1e-300"],
        ["--q-min", "1e-300"],
        ["--c", "1e-300"],
        ["--L", "1e308"],
        ["--Delta", "1e308"],
    ],
)
def test_extremes_answer_without_warnings(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # warnings are errors in the suite: these used to print RuntimeWarnings or a traceback
    result = derived(capsys, *argv)
    text = json.dumps(result, allow_nan=False)
    assert "NaN" not in text
    assert "Infinity" not in text
    for section in ("fixed_stepsize", "iterations", "pl_schedule", "compensation"):
        for key, value in result[section].items():
            if value is None and not key.endswith("_reason"):
                assert result[section][f"{key}_reason"], (section, key)
    assert main(["schedule", *argv]) == 0


def test_large_smoothness_keeps_T4_answers(capsys: pytest.CaptureFixture[str]) -> None:
    # L = 1e308: gamma = beta L M_G - 1 overflows; it used to end in 13 lines of traceback
    pl = derived(capsys, "--L", "1e308")["pl_schedule"]
    assert pl["beta"] == pytest.approx(40.0)
    assert pl["gamma"] is None
    assert "gamma = beta L M_G - 1" in pl["gamma_reason"]


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule"]) == 0
    lines = capsys.readouterr().out.splitlines()
    labels = [line.split("  ")[0].strip() for line in lines]
    assert labels[:3] == ["mu* for K", "regime", "T1 bound at mu"]
    assert "K(eps)" in labels
    assert "slowdown" in labels
    c3 = labels.index("C3 nominal mu")
    assert labels[c3 : c3 + 3] == ["C3 nominal mu", "C3 mu cap", "C3 floor ratio"]
    assert labels[-3:] == ["C3.known_q mu/q", "C3.known_q cap", "C3.known_q bound"]
    assert {"T1.sharp mu", "T4.sharp beta", "T4.sharp nu"} <= set(labels)


def test_refined_stepsizes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*NOISY, "--c", "0.4", "--q-min", "0.8", "--F1-gap", "0.5", "--mu", "0.2"]
    result = derived(capsys, *argv, "--K", "1000", "--q", "0.6")
    refined, paper = result["refined"], result["fixed_stepsize"]
    L, Delta, M_G, S, q_min, K = 2.0, 1.5, 1.25, 0.35, 0.8, 1000

    def sharp(mu: float) -> float:  # T1.sharp written out: T1 over 2 - L mu M_G q_min
        return (2 * Delta / (K * mu * q_min) + L * mu * S / q_min) / (2 - L * mu * M_G * q_min)

    mu = refined["T1.sharp"]["mu"]
    # the stationary point: K L S mu^2 + 2 Delta L M_G q_min mu - 2 Delta = 0, a minimum
    assert K * L * S * mu**2 + 2 * Delta * L * M_G * q_min * mu - 2 * Delta == pytest.approx(
        0, abs=1e-12
    )
    assert sharp(mu) < min(sharp(mu * 0.99), sharp(mu * 1.01))
    assert refined["T1.sharp"]["bound"] == pytest.approx(sharp(mu), rel=1e-12)
    assert mu < paper["mu"]  # the descent factor favours a smaller step
    assert refined["T1.sharp"]["bound"] < paper["bound"]
    # T4.sharp at the least gamma: first factor 2 - q_min, beta* = 2/(c q_min (2 - q_min))
    c = 0.4
    beta = 2 / (c * q_min * (2 - q_min))
    gamma = beta * L * M_G - 1
    noise = beta**2 * L * S / (2 * (beta * c * q_min * (2 - q_min) - 1))
    assert refined["T4.sharp"]["beta"] == pytest.approx(beta, rel=1e-12)
    assert refined["T4.sharp"]["gamma"] == pytest.approx(gamma, rel=1e-12)
    assert refined["T4.sharp"]["nu"] == pytest.approx(max(noise, (gamma + 1) * 0.5), rel=1e-12)
    assert refined["T4.sharp"]["nu"] <= result["pl_schedule"]["nu"]
    # C3.known_q with the known q = 0.6: nominal mu/q, and mu <= 1/(L M_G) only
    known = refined["C3.known_q"]
    assert known["q"] == 0.6
    assert known["nominal_stepsize"] == pytest.approx(0.2 / 0.6)
    assert known["mu_must_not_exceed"] == pytest.approx(1 / (L * M_G))
    t = 2 - L * 0.2 * M_G
    expected = 2 * Delta / (K * 0.2 * t) + L * 0.2 * (0.3 + 0.05 / 0.36) / t
    assert known["bound"] == pytest.approx(expected, rel=1e-12)


def test_the_known_q_defaults_to_q_min(capsys: pytest.CaptureFixture[str]) -> None:
    result = derived(capsys, "--q-min", "0.7")
    assert result["refined"]["C3.known_q"]["q"] == 0.7


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--q-min", "2"], "argument --q-min: must be a number in (0, 1]"),
        (["--epsilon", "0"], "argument --epsilon: must be a finite number > 0"),
        (["--K", "-5"], "argument --K: must be an integer >= 1"),
        (["--M-G", "0.5"], "argument --M-G: must be a finite number >= 1"),
        (["--c", "2", "--L", "1"], "--c 2 exceeds --L 1: A5 needs the PL constant c <= the"),
        # the user gave only --L: the message names the default of --c, not "--c ... got 0.1"
        (["--L", "0.05"], "c = 0.1 (the default) exceeds --L 0.05"),
    ],
)
def test_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["schedule", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_bad_input_in_a_subprocess() -> None:
    result = run_console("schedule", "--L", "nan")
    assert result.returncode == 2
    assert (
        result.stderr
        == "stepshrink schedule: error: argument --L: must be a finite number > 0, got 'nan'\n"
    )


def test_pl_schedule_and_compensation(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*NOISY, "--c", "0.4", "--q-min", "0.8", "--F1-gap", "0.5", "--mu", "0.2"]
    result = derived(capsys, *argv, "--K", "1000")
    pl = result["pl_schedule"]
    # docs/spec.md section 3 (T4): beta > 1/(c q_min), beta/(gamma + 1) <= 1/(L M_G);
    # beta* = 2/(c q_min)
    beta = 2 / (0.4 * 0.8)
    gamma = beta * 2 * 1.25 - 1
    nu = max(beta**2 * 2 * 0.35 / (2 * (beta * 0.4 * 0.8 - 1)), (gamma + 1) * 0.5)
    assert pl["beta"] == pytest.approx(beta)
    assert pl["gamma"] == pytest.approx(gamma)
    assert pl["beta_must_exceed"] == pytest.approx(1 / (0.4 * 0.8))
    assert pl["nu"] == pytest.approx(nu)
    assert pl["bound_at_K"] == pytest.approx(nu / (gamma + 1000))
    assert pl["full_precision_beta_admissible"] is True  # q_min = 0.8 > 1/2
    c3 = result["compensation"]
    # docs/spec.md section 3 (C3): nominal mu/q_min, admissible while mu <= q_min/(L M_G); the
    # floor grows by 1/q_min
    assert c3["nominal_stepsize"] == pytest.approx(0.2 / 0.8)
    assert c3["mu_must_not_exceed"] == pytest.approx(0.8 / (2 * 1.25))
    assert c3["floor_ratio"] == pytest.approx(1 / 0.8)
    assert c3["note"] == ""


def test_compensation_beyond_its_cap(capsys: pytest.CaptureFixture[str]) -> None:
    result = derived(capsys, "--q-min", "0.5", "--mu", "0.9")
    assert result["compensation"]["nominal_stepsize"] is None
    assert "compensated stepsize condition" in result["compensation"]["note"]
    assert result["pl_schedule"]["full_precision_beta_admissible"] is False  # q_min = 1/2
