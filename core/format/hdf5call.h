// SPDX-License-Identifier: GPL-3.0-or-later
// The frame around every use of the HDF5 C++ API in flatslice (today: the session file, analysis/sessionfile.cpp).
//
// By default HDF5 prints its whole error stack to stderr. An Hdf5Call silences that for its lifetime on this thread
// and keeps the innermost message (the one that says what actually went wrong, e.g. "truncated file: eof = 96"),
// which `detail()` turns into the tail of our own one-line Error; the previous handler is restored afterwards, so
// that other HDF5 users in the process keep their settings. An HDF5 built without thread-safety must not be
// entered by two threads at once: the call then also holds a process-wide mutex (a thread-safe build serializes
// itself). Construct one per top-level operation, on the thread that performs it.
#pragma once

#include <H5Cpp.h>

#include <mutex>
#include <string>

namespace flatslice::core {

class Hdf5Call {
public:
    Hdf5Call();
    ~Hdf5Call();
    Hdf5Call(const Hdf5Call&) = delete;
    Hdf5Call& operator=(const Hdf5Call&) = delete;

    // The innermost HDF5 message of the last failure on this thread ("" when none), for C API calls that fail
    // without an exception.
    static std::string lastMessage();
    // lastMessage(), else the exception's own text.
    static std::string detail(const H5::Exception& e);

    // Variable-length UTF-8 strings, the type every string attribute is stored with (h5py reads them as str).
    static H5::StrType utf8Type();

    // File access with a strong close degree (closing the file closes everything in it, so that close() really
    // flushes before an fsync) and best-effort locking (filesystems without flock keep working).
    static H5::FileAccPropList fileAccess();

private:
    std::unique_lock<std::mutex> m_lock;
    H5E_auto2_t m_oldFunc = nullptr;
    void* m_oldData = nullptr;
};

} // namespace flatslice::core
