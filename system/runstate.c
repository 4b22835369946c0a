/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's run state: "prelaunch" under -S until cont, "running"
 * otherwise (there are no vCPUs, so nothing else changes), and the quit
 * request shared by QMP quit and the termination signals.
 */
#include "machine-internal.h"

void machine_set_running(Machine *m, bool running)
{
    m->running = running;
}

bool machine_is_running(Machine *m)
{
    return m->running;
}

const char *machine_status(Machine *m)
{
    return m->running ? "running" : "prelaunch";
}

void machine_set_quit_handler(Machine *m, void (*quit)(void *opaque),
                              void *opaque)
{
    m->quit = quit;
    m->quit_opaque = opaque;
}

static gboolean machine_quit_idle(void *opaque)
{
    Machine *m = opaque;

    m->quit_source = 0;
    if (m->quit) {
        m->quit(m->quit_opaque);
    }
    return G_SOURCE_REMOVE;
}

void machine_request_quit(Machine *m, const char *reason)
{
    JsonObject *data;

    if (m->quit_source) {
        return;                 /* already on its way out */
    }
    data = json_object_new();
    json_object_set_boolean_member(data, "guest", FALSE);
    json_object_set_string_member(data, "reason", reason);
    machine_emit_event(m, "SHUTDOWN", data);
    m->quit_source = g_idle_add(machine_quit_idle, m);
}
