/*
 * cmd — one entry point per subcommand, each in its own file (git's builtin/).
 * A command parses its arguments, calls the layers, prints, and returns the exit
 * status: 0 success, 1 a problem the user can fix, 2 bad usage.
 */
#ifndef NODESCOPE_CMD_H
#define NODESCOPE_CMD_H

int cmd_core(int argc, char **argv);
int cmd_leak(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_gcore(int argc, char **argv);
int cmd_fold(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_heap(int argc, char **argv);

#endif
