/* A well-formed shared object with no Herald entry point: the loader must say it is not a plugin. */
int herald_test_not_a_plugin(void) { return 42; }
