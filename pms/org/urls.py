from django.urls import path

from pms.org.views import departments, employees, imports, positions, role_families, roles

app_name = "org"
urlpatterns = [
    # department tree and department pages
    path("", departments.tree, name="tree"),
    path("departments/<uuid:uuid>/children/", departments.children, name="department_children"),
    path("departments/new/", departments.create, name="department_create"),
    path("departments/<uuid:uuid>/", departments.detail, name="department"),
    path("departments/<uuid:uuid>/edit/", departments.edit, name="department_edit"),
    path("departments/<uuid:uuid>/move/", departments.move, name="department_move"),
    path("departments/<uuid:uuid>/close/", departments.close, name="department_close"),
    # positions
    path("positions/", positions.position_list, name="positions"),
    path("positions/new/", positions.create, name="position_create"),
    path("positions/<uuid:uuid>/", positions.detail, name="position"),
    path("positions/<uuid:uuid>/edit/", positions.edit, name="position_edit"),
    # people
    path("people/", employees.directory, name="directory"),
    path("people/new/", employees.create, name="employee_create"),
    path("people/<uuid:uuid>/", employees.detail, name="employee"),
    path("people/<uuid:uuid>/edit/", employees.edit, name="employee_edit"),
    # imports and exports
    path("imports/", imports.import_list, name="imports"),
    path("imports/template/<str:kind>.<str:fmt>", imports.template, name="import_template"),
    path("imports/<uuid:uuid>/", imports.detail, name="import"),
    path("imports/<uuid:uuid>/progress/", imports.progress, name="import_progress"),
    path("imports/<uuid:uuid>/apply/", imports.apply, name="import_apply"),
    path("exports/<str:kind>.<str:fmt>", imports.export, name="export"),
    # role families
    path("role-families/", role_families.family_list, name="role_families"),
    path("role-families/<uuid:uuid>/edit/", role_families.family_edit, name="role_family_edit"),
    # granted roles
    path("roles/", roles.role_list, name="roles"),
    path("roles/<uuid:uuid>/revoke/", roles.role_revoke, name="role_revoke"),
]
