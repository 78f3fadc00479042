/* devices.c: the server's view of the context's devices — selection by id or selector, run slots, execution. */
#include "server.h"
#include "metrics.h"

#include <string.h>

/* An exact device id ("host", "cpu:0") wins; anything else goes to clrelu_device_select
 * ("auto", "cpu", a name substring). NULL or "" is the server's default device. */
clrelu_status server_pick_device(server *s, const char *selector, server_device **out)
{
    if (!selector || !*selector) {
        *out = &s->devices[s->default_device];
        return CLRELU_OK;
    }
    for (int i = 0; i < s->n_devices; i++)
        if (strcmp(s->devices[i].info->id, selector) == 0) {
            *out = &s->devices[i];
            return CLRELU_OK;
        }
    const clrelu_device *dev = NULL;
    clrelu_status st = clrelu_device_select(s->ctx, selector, &dev);
    if (st != CLRELU_OK)
        return st;
    for (int i = 0; i < s->n_devices; i++)
        if (s->devices[i].dev == dev) {
            *out = &s->devices[i];
            return CLRELU_OK;
        }
    return CLRELU_ERR_NOT_FOUND;
}

void server_device_acquire(server_device *d)
{
    pthread_mutex_lock(&d->lock);
    while (d->busy >= d->slots)
        pthread_cond_wait(&d->free_slot, &d->lock);
    d->busy++;
    pthread_mutex_unlock(&d->lock);
}

void server_device_release(server_device *d)
{
    pthread_mutex_lock(&d->lock);
    d->busy--;
    pthread_cond_signal(&d->free_slot);
    pthread_mutex_unlock(&d->lock);
}

/* Run one op on d. The wait for a slot is the queue time; the library fills the rest of the
 * timing. Kernel time and count go to the per-device metrics whatever the outcome. */
clrelu_status server_exec(server *s, server_device *d, clrelu_op_args *args, exec_times *t)
{
    memset(t, 0, sizeof *t);
    uint64_t t0 = now_ns();
    server_device_acquire(d);
    t->queue_ns = now_ns() - t0;
    args->timing = &t->timing;
    clrelu_status st = clrelu_run(s->ctx, d->dev, args);
    server_device_release(d);
    metrics_device_run(s->metrics, (int)(d - s->devices), t->timing.kernel_ns, st == CLRELU_OK);
    return st;
}
