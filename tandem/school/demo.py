"""Demo data of the school of mentors (a stage of ``tandem.demo.services.EXTENSIONS``).

Later demo stages find the events by ``Event.demo_key``:

- ``PAST_SEMINAR_KEY``: the past regional seminar with its 70 attendees (registered,
  attended, certificates issued), in the spirit of the announcement in the brief;
- ``UPCOMING_SEMINAR_KEY``: an upcoming seminar with open self-registration.
"""

PAST_SEMINAR_KEY = "school-past-seminar"
UPCOMING_SEMINAR_KEY = "school-upcoming-seminar"
