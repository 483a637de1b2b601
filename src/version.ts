/** The driver's own version, reported in the handshake. A test keeps it equal to package.json's. */
export const DRIVER_NAME = 'mongorx';
export const DRIVER_VERSION = '0.1.0';
