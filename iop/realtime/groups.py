"""Names of the Channels groups the staff live feed fans out to."""

ON_CALL = "staff.oncall"


def user_group(user_id: int) -> str:
    return f"staff.user.{user_id}"


def program_group(program_id: int) -> str:
    return f"staff.program.{program_id}"
