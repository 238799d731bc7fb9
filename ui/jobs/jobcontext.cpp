// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobcontext.h"

namespace flatslice::ui {

JobContext::JobContext(std::shared_ptr<JobState> state)
    : m_state(std::move(state)),
      m_progress([s = m_state.get()](std::int64_t done, std::int64_t total, std::string_view message) {
          {
              const std::lock_guard lock(s->mutex);
              s->done = done;
              s->total = total;
              s->message.assign(message);
              s->progressDirty = true;
          }
          return !s->cancelRequested.load();
      })
{
}

void JobContext::log(const std::string& line) const
{
    const std::lock_guard lock(m_state->mutex);
    m_state->log.push_back(line);
}

void JobContext::throwIfCancelled() const
{
    if (m_state->cancelRequested.load())
        throw core::Cancelled();
}

} // namespace flatslice::ui
