"""The guide's web service: conversion jobs behind a small JSON API."""
