"""Open Referral HSDS 3.0 for the services directory: the packaged schemas and their validator.

Django-free: :mod:`ostoja.directory.hsds.validate` is plain Python over ``jsonschema`` and
``referencing``, and never touches the network.
"""

from ostoja.directory.hsds.validate import (
    HSDS_VERSION,
    KINDS,
    SCHEMA_BASE_URI,
    TABLES,
    HSDSValidator,
    ImportReport,
    ValidationProblem,
    api_root,
    paginated,
    validate_import,
    validate_object,
)

__all__ = [
    "HSDS_VERSION",
    "KINDS",
    "SCHEMA_BASE_URI",
    "TABLES",
    "HSDSValidator",
    "ImportReport",
    "ValidationProblem",
    "api_root",
    "paginated",
    "validate_import",
    "validate_object",
]
