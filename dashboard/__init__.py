"""The Streamlit dashboard; it reads only through warehouse helpers."""
