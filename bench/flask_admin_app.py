"""The Flask-Admin anchor of bench/scale.py: a stock Flask-Admin ModelView over the same end_user
rows of one tenant (10 rows a page, the total counted on every page as Flask-Admin does, search
as ILIKE '%word%' over the columns the project searches: the maintained search_text, which holds
names, company, city and every identifier, and the customerRef).

    DATABASE_URL=... BENCH_CUSTOMER_ID=2 gunicorn -w 2 bench.flask_admin_app:app
    GET /admin/enduser/                 first page
    GET /admin/enduser/?search=word     search
    GET /admin/enduser/?sort=1&page=N   sorted by lastname, page N (from 0)
"""
import os
import warnings

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import MetaData, create_engine
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
CUSTOMER_ID = int(os.environ.get("BENCH_CUSTOMER_ID", "1"))
metadata = MetaData()
with warnings.catch_warnings():  # the expression indexes of the sorts: not needed to read rows
    warnings.simplefilter("ignore")
    metadata.reflect(engine, only=["end_user"])
Base = automap_base(metadata=metadata)
Base.prepare()
EndUser = Base.classes.end_user
session = scoped_session(sessionmaker(bind=engine))

# The column order fixes the `sort` index: 1 is lastname.
LIST_COLUMNS = ["firstname", "lastname", "company", "city", "country", "customer_type", "customer_ref",
                "last_interaction_at"]


class EndUserView(ModelView):
    page_size = 10
    can_set_page_size = False
    column_list = LIST_COLUMNS
    column_sortable_list = LIST_COLUMNS
    column_searchable_list = ("search_text", "customer_ref")

    def get_query(self):
        return super().get_query().filter(EndUser.customer_id == CUSTOMER_ID)

    def get_count_query(self):
        return super().get_count_query().filter(EndUser.customer_id == CUSTOMER_ID)


app = Flask(__name__)
app.config["SECRET_KEY"] = "bench-only"
admin = Admin(app, name="bench")
admin.add_view(EndUserView(EndUser, session, endpoint="enduser"))


@app.teardown_appcontext
def _remove_session(_exc):
    session.remove()
