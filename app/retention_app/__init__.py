"""The retention project app: the offline HTML report and the Parquet export for BI tools."""
