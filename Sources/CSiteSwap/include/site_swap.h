#ifndef SITE_SWAP_H
#define SITE_SWAP_H

/// Exchanges two paths in one step (Linux renameat2 with RENAME_EXCHANGE): a reader sees the
/// old site or the new one, never neither. Returns 0, or -1 with errno set (EINVAL or ENOSYS
/// where the file system or kernel cannot exchange; the caller then falls back to two renames).
int site_swap_exchange(const char *first, const char *second);

#endif
