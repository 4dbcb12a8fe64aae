"""Scrapy project: config-driven spiders that stage validated items for the warehouse."""
