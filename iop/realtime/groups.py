"""Names of the Channels groups the staff live feed fans out to.

Events that identify a client are sent to the user groups of the people who may see that
client (`iop.realtime.audience`), never to a group; the program group carries notices that name
no client, to the program's clinical staff only.
"""


def user_group(user_id: int) -> str:
    return f"staff.user.{user_id}"


def program_group(program_id: int) -> str:
    return f"staff.program.{program_id}"
