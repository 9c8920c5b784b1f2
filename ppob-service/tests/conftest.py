from app import create_app
from config import Settings
from testkit.service_shell import shell_fixtures

make_app, app = shell_fixtures(create_app, Settings)
