from tests.matrix import COORD, Case, only

MATRIX = {
    "scheduler:list": Case(expect=only([COORD])),
    "scheduler:detail": Case(kwargs=lambda w: {"name": "hotline_retention"}, expect=only([COORD])),
}
