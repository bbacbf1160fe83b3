"""Wrong implementations (mutants) and alternative correct solutions for every exercise, one module per week.

Each module exposes ``MUTANTS`` (a list of :class:`~reference_impl.exercises.mutation.Mutant`, each naming the
requirement it breaks) and ``CORRECT`` (exercise id → solutions written differently from the reference that the
check must accept). ``python -m reference_impl.exercises.mutation`` runs them all.
"""
