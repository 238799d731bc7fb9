// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/hdf5call.h"

namespace flatslice::core {

namespace {

thread_local std::string t_hdf5Message;

herr_t keepInnermostFrame(unsigned /*n*/, const H5E_error2_t* frame, void* clientData)
{
    auto* message = static_cast<std::string*>(clientData);
    if (frame->desc && *frame->desc)
        *message = frame->desc;
    else if (frame->func_name)
        *message = std::string(frame->func_name) + " failed";
    return 0;
}

herr_t captureErrorStack(hid_t stack, void* /*clientData*/)
{
    std::string message;
    H5Ewalk2(stack, H5E_WALK_DOWNWARD, keepInnermostFrame, &message);
    t_hdf5Message = message;
    return 0;
}

std::unique_lock<std::mutex> lockIfHdf5IsNotThreadSafe()
{
#ifdef H5_HAVE_THREADSAFE
    return {};
#else
    static std::mutex mutex;
    return std::unique_lock<std::mutex>(mutex);
#endif
}

} // namespace

// (H5::Exception::dontPrint() would silence HDF5 too, but permanently and losing the innermost message.) HDF5 keeps
// the handler per thread in its thread-safe build.
Hdf5Call::Hdf5Call() : m_lock(lockIfHdf5IsNotThreadSafe())
{
    if (H5Eget_auto2(H5E_DEFAULT, &m_oldFunc, &m_oldData) < 0)
        m_oldFunc = nullptr;
    H5Eset_auto2(H5E_DEFAULT, captureErrorStack, nullptr);
    t_hdf5Message.clear();
}

Hdf5Call::~Hdf5Call()
{
    H5Eset_auto2(H5E_DEFAULT, m_oldFunc, m_oldData);
}

std::string Hdf5Call::lastMessage()
{
    return t_hdf5Message;
}

std::string Hdf5Call::detail(const H5::Exception& e)
{
    if (!t_hdf5Message.empty())
        return t_hdf5Message;
    return e.getDetailMsg().empty() ? std::string("HDF5 error") : e.getDetailMsg();
}

H5::StrType Hdf5Call::utf8Type()
{
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    return type;
}

H5::FileAccPropList Hdf5Call::fileAccess()
{
    H5::FileAccPropList access;
    access.setFcloseDegree(H5F_CLOSE_STRONG);
    H5Pset_file_locking(access.getId(), true, true);
    return access;
}

} // namespace flatslice::core
