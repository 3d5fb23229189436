from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeachersConfig(AppConfig):
    name = "teachers"
    verbose_name = _("Teachers and mentorships")

    def ready(self):
        from . import notices

        notices.register()
        from schools import region_copies

        region_copies.register(
            region_copies.Copy("teachers.Teacher", order=1),
            region_copies.Copy("teachers.Mentorship"),
            region_copies.Copy("teachers.Mentorship", "mentor_school", "mentor_region"),
            region_copies.Copy("teachers.MentorshipRecord"),
            region_copies.Copy("teachers.RecordAttachment"),
        )
        from schools import hub
        from twinning import access, imports

        from . import home

        hub.register(hub.Tab("mentorships", _("Mentorships"), "teachers:pairing_mentorships", 30))
        hub.register_programme_tab(
            hub.Tab("mentorship_rules", _("Mentorship rules"), "teachers:programme_rules", 30)
        )
        home.register()
        imports.register(
            imports.ImportKind(
                key="teachers",
                title=_("Import teachers"),
                name=_("Teachers"),
                resource="teachers.resources.TeacherResource",
                may_import=access.keeps_school_records,
                refusal=_("Only a school's coordinators and its bureau keep its teachers."),
                list_url="teachers:teacher_list",
                matching=_(
                    "A row updates the teacher of its school with the same staff number (or, "
                    "without one, the same name and phone) and adds a teacher otherwise."
                ),
                order=20,
            )
        )
        imports.register(
            imports.ImportKind(
                key="mentorships",
                title=_("Import mentorships"),
                name=_("Mentorships"),
                resource="teachers.mentorship_resources.MentorshipResource",
                # Whoever may open the page that starts a mentorship (mentorship_create).
                may_import=access.keeps_school_records,
                refusal=_("Coordinators and bureau staff start mentorships."),
                list_url="teachers:mentorship_list",
                matching=_(
                    "A row finds each teacher by the school code and the staff number (or, "
                    "without one, the name). It updates the agreement of the active "
                    "mentorship with the same mentor, mentee and subject, and starts a "
                    "mentorship otherwise."
                ),
                order=50,
            )
        )
