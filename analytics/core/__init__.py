"""Pure numerical core of the analytics app: numpy/pandas in, numpy/pandas out.

Nothing here touches the ORM, so every formula can be tested on constructed data and run on
real data loaded straight from a CSV file (see ``frames.load_csv``). The services in
``analytics.services`` feed these functions from the database and store what they return.
"""
